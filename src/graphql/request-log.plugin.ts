import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
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
    async contextCreationDidFail({ error }) {
      const code = error instanceof GraphQLError ? error.extensions.code : 'INTERNAL_SERVER_ERROR';
      if (code === 'INTERNAL_SERVER_ERROR') log.error('context creation failed', { err: error });
      else log.info('graphql request', { outcome: 'error', errorCodes: [code] });
    },
    async requestDidStart({ contextValue }) {
      const startedAt = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors, contextValue: ctx }) {
          for (const error of errors) {
            if (isExpectedError(error)) continue;
            ctx.log.error('unexpected error', { err: unwrapResolverError(error), path: error.path?.join('.') });
          }
        },
        async willSendResponse({ operation, operationName, errors }) {
          const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
          const codes = (errors ?? []).map((error) => {
            const original = unwrapResolverError(error);
            return original instanceof AppError ? original.code : String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
          });
          log.info('graphql request', {
            requestId: contextValue.requestId,
            userId: contextValue.viewerId,
            operationName: operationName ?? null,
            operationType: operation?.operation ?? null,
            outcome: codes.length === 0 ? 'ok' : 'error',
            errorCodes: codes.length > 0 ? [...new Set(codes)] : undefined,
            durationMs: Math.round(durationMs * 10) / 10,
          });
        },
      };
    },
  };
}
