import type { Request } from 'express';
import type { Logger } from '../observability/logger';
import type { BudgetService } from '../services/budget.service';
import type { ChatService } from '../services/chat.service';
import type { ConversationService } from '../services/conversation.service';
import type { RateLimitService } from '../services/rate-limit.service';
import type { ReplyService } from '../services/reply.service';
import type { TokenVerifier } from '../services/token-verifier';
import type { Viewer } from '../services/viewer';
import type { MessageRecord } from '../ports/chat-store';
import type { ModelInfo } from '../services/model-catalog';
import type { Connection, PageArgs } from '../services/page-args';
import { UnauthenticatedError } from '../errors';
import { toGraphQLError } from './format-error';

/** Where an operation arrived: plain HTTP, a graphql-ws socket, or a graphql-sse stream. */
export type Transport = 'http' | 'websocket' | 'sse';

export interface GraphQLContext {
  requestId: string;
  transport: Transport;
  /** The caller; throws UNAUTHENTICATED when the request carried no token. */
  viewer(): Viewer;
  /** The caller if known, for logs; never throws. */
  viewerId: string | null;
  conversations: ConversationService;
  chat: ChatService;
  replies: ReplyService;
  budget: BudgetService;
  log: Logger;
  /** Message.siblings, batched per operation. */
  siblings(message: MessageRecord): Promise<string[]>;
  /** Query.models: fixed by configuration. */
  models: ModelInfo[];
  /** Conversation.messages, batched per operation (a list's previews cost one store query). */
  messagesOf(conversationId: string, args: PageArgs): Promise<Connection<MessageRecord>>;
}

export interface ContextDeps {
  tokens: TokenVerifier;
  limits: RateLimitService;
  conversations: ConversationService;
  chat: ChatService;
  replies: ReplyService;
  budget: BudgetService;
  log: Logger;
  models: ModelInfo[];
}

/**
 * A valid token is always accepted, whatever others did from the same address (behind a proxy or
 * NAT one attacker must not lock everyone out); failed attempts count against the address, and
 * once it has too many, further failures there are answered 429 for a while.
 */
async function authenticate(deps: ContextDeps, header: string, ip: string): Promise<Viewer> {
  try {
    return await deps.tokens.verifyHeader(header);
  } catch (error: unknown) {
    try {
      await deps.limits.checkAuthAllowed(ip);
    } catch (limited: unknown) {
      throw toGraphQLError(limited, 429);
    }
    await deps.limits.recordAuthFailure(ip);
    throw toGraphQLError(error, 401);
  }
}

async function anonymous(deps: ContextDeps, ip: string): Promise<null> {
  try {
    await deps.limits.checkAnonymous(ip);
  } catch (error: unknown) {
    throw toGraphQLError(error, 429);
  }
  return null;
}

/**
 * The caller behind an Authorization value, for every transport alike. A present but bad token
 * throws a GraphQLError (HTTP status 401, counted against the client IP: after too many, further
 * bad tokens from it get 429 for a while); no token is anonymous (null), limited per IP.
 */
export async function resolveViewer(deps: ContextDeps, header: string | undefined, ip: string): Promise<Viewer | null> {
  return header ? authenticate(deps, header, ip) : anonymous(deps, ip);
}

/** The context of one operation, whichever transport carried it. */
export function buildContext(deps: ContextDeps, viewer: Viewer | null, requestId: string, transport: Transport): GraphQLContext {
  let siblings: ReturnType<ConversationService['siblingsLoader']> | undefined;
  let messages: ReturnType<ConversationService['messagesLoader']> | undefined;
  const requireViewer = () => {
    if (!viewer) throw new UnauthenticatedError('Authentication required: send Authorization: Bearer <token>');
    return viewer;
  };
  return {
    requestId,
    transport,
    viewerId: viewer?.id ?? null,
    viewer: requireViewer,
    conversations: deps.conversations,
    chat: deps.chat,
    replies: deps.replies,
    budget: deps.budget,
    log: deps.log.child({ requestId }),
    models: deps.models,
    messagesOf: (conversationId, args) => (messages ??= deps.conversations.messagesLoader(requireViewer())).load({ conversationId, args }),
    siblings: (message) => (siblings ??= deps.conversations.siblingsLoader(requireViewer())).load(message),
  };
}

/**
 * Builds the per-request context of HTTP operations. No token lets schema-only operations
 * (introspection) through and fails any field that needs a caller.
 */
export function contextFactory(deps: ContextDeps) {
  return async ({ req }: { req: Request }): Promise<GraphQLContext> => {
    const requestId = String(req.res?.locals.requestId ?? '');
    const viewer = await resolveViewer(deps, req.headers.authorization, req.ip ?? 'unknown');
    return buildContext(deps, viewer, requestId, 'http');
  };
}
