import type { Request } from 'express';
import type { Logger } from '../observability/logger';
import type { BudgetService } from '../services/budget.service';
import type { ChatService } from '../services/chat.service';
import type { ConversationService } from '../services/conversation.service';
import type { RateLimitService } from '../services/rate-limit.service';
import type { TokenVerifier } from '../services/token-verifier';
import type { Viewer } from '../services/viewer';
import { UnauthenticatedError } from '../errors';
import { toGraphQLError } from './format-error';

export interface GraphQLContext {
  requestId: string;
  /** The caller; throws UNAUTHENTICATED when the request carried no token. */
  viewer(): Viewer;
  /** The caller if known, for logs; never throws. */
  viewerId: string | null;
  conversations: ConversationService;
  chat: ChatService;
  budget: BudgetService;
  log: Logger;
}

export interface ContextDeps {
  tokens: TokenVerifier;
  limits: RateLimitService;
  conversations: ConversationService;
  chat: ChatService;
  budget: BudgetService;
  log: Logger;
}

async function authenticate(deps: ContextDeps, header: string, ip: string): Promise<Viewer> {
  try {
    await deps.limits.checkAuthAllowed(ip);
  } catch (error: unknown) {
    throw toGraphQLError(error, 429);
  }
  try {
    return await deps.tokens.verifyHeader(header);
  } catch (error: unknown) {
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
 * Builds the per-request context. A present but bad token fails the whole request with 401
 * (and counts against the client IP: too many failures and it gets 429 for a while); no
 * token lets schema-only operations (introspection) through, limited per IP, and fails any
 * field that needs a caller.
 */
export function contextFactory(deps: ContextDeps) {
  return async ({ req }: { req: Request }): Promise<GraphQLContext> => {
    const requestId = String(req.res?.locals.requestId ?? '');
    const header = req.headers.authorization;
    const viewer = header ? await authenticate(deps, header, req.ip ?? 'unknown') : await anonymous(deps, req.ip ?? 'unknown');
    return {
      requestId,
      viewerId: viewer?.id ?? null,
      viewer: () => {
        if (!viewer) throw new UnauthenticatedError('Authentication required: send Authorization: Bearer <token>');
        return viewer;
      },
      conversations: deps.conversations,
      chat: deps.chat,
      budget: deps.budget,
      log: deps.log.child({ requestId }),
    };
  };
}
