import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError } from '../errors';
import type { Logger } from '../observability/logger';
import type { GraphQLContext } from './context';
import { isExpectedError } from './format-error';

/**
 * One log line per GraphQL request (id, user, operation, outcome, duration, error codes),
 * and the full error, server side only, for anything the client saw masked. Hooks run once
 * per request, never per field.
 */
export function requestLogPlugin(log: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const startedAt = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors, contextValue: ctx }) {
          for (const error of errors) {
            if (isExpectedError(error)) continue;
            ctx.log.error('unexpected error', { err: unwrapResolverError(error), path: error.path?.join('.') });
          }
        },
        async willSendResponse({ response, operation, operationName, errors }) {
          const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
          const codes = (errors ?? []).map((error) => {
            const original = unwrapResolverError(error);
            return original instanceof AppError ? original.code : String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
          });
          const outcome = codes.length === 0 ? 'ok' : response.body.kind === 'single' && response.body.singleResult.data ? 'partial' : 'error';
          log.info('graphql request', {
            requestId: contextValue.requestId,
            userId: contextValue.viewerId,
            operationName: operationName ?? null,
            operationType: operation?.operation ?? null,
            outcome,
            errorCodes: codes.length > 0 ? [...new Set(codes)] : undefined,
            durationMs: Math.round(durationMs * 10) / 10,
          });
        },
      };
    },
  };
}
