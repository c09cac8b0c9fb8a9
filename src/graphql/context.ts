import type { Request } from 'express';
import type { Logger } from '../observability/logger';
import type { ChatService } from '../services/chat.service';
import type { ConversationService } from '../services/conversation.service';
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
  log: Logger;
}

export interface ContextDeps {
  tokens: TokenVerifier;
  conversations: ConversationService;
  chat: ChatService;
  log: Logger;
}

/**
 * Builds the per-request context. A present but bad token fails the whole request with 401;
 * no token lets schema-only operations (introspection) through and fails any field that
 * needs a caller.
 */
export function contextFactory(deps: ContextDeps) {
  return async ({ req }: { req: Request }): Promise<GraphQLContext> => {
    const requestId = String(req.res?.locals.requestId ?? '');
    const header = req.headers.authorization;
    let viewer: Viewer | null = null;
    if (header) {
      try {
        viewer = await deps.tokens.verifyHeader(header);
      } catch (error: unknown) {
        throw toGraphQLError(error, 401);
      }
    }
    return {
      requestId,
      viewerId: viewer?.id ?? null,
      viewer: () => {
        if (!viewer) throw new UnauthenticatedError('Authentication required: send Authorization: Bearer <token>');
        return viewer;
      },
      conversations: deps.conversations,
      chat: deps.chat,
      log: deps.log.child({ requestId }),
    };
  };
}
