import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { GraphQLContext } from './context';
import { clientCode, isExpectedError } from './format-error';

/** The first root field: a label bounded by the schema, unlike client-chosen operation names. */
function rootField(operation: OperationDefinitionNode | undefined): string {
  const field = operation?.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD);
  return field?.kind === Kind.FIELD ? field.name.value : 'unknown';
}

/** The code the client saw: Apollo's own for request errors (GRAPHQL_PARSE_FAILED, …), else as formatError decides. */
function errorCode(error: unknown): string {
  const given = error instanceof GraphQLError ? error.extensions.code : undefined;
  if (typeof given === 'string' && given !== 'INTERNAL_SERVER_ERROR') return given;
  return clientCode(error);
}

/**
 * Per request, once: a log line (id, user, operation, outcome, duration, error codes), the
 * operation metrics, and the full error, server side only, for anything the client saw
 * masked. Nothing here runs per field.
 */
export function operationsPlugin(log: Logger, metrics: Metrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async contextCreationDidFail({ error }) {
      const code = errorCode(error);
      metrics.graphqlErrors.inc({ code });
      if (code === 'INTERNAL_SERVER_ERROR') log.error('context creation failed', { err: error });
      else log.info('graphql request', { outcome: 'error', errorCodes: [code] });
    },
    async requestDidStart({ contextValue }) {
      const startedAt = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors, contextValue: ctx }) {
          for (const error of errors) {
            if (!isExpectedError(error)) ctx.log.error('unexpected error', { err: unwrapResolverError(error), path: error.path?.join('.') });
          }
        },
        async willSendResponse({ operation, operationName, errors }) {
          const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
          const codes = [...new Set((errors ?? []).map(errorCode))];
          const labels = { field: rootField(operation), type: operation?.operation ?? 'unknown' };
          const outcome = codes.length === 0 ? 'ok' : 'error';
          metrics.graphqlOperations.inc({ ...labels, outcome });
          metrics.graphqlDuration.observe(labels, seconds);
          for (const code of codes) metrics.graphqlErrors.inc({ code });
          log.info('graphql request', {
            requestId: contextValue.requestId,
            userId: contextValue.viewerId,
            operationName: operationName ?? null,
            operationType: operation?.operation ?? null,
            outcome,
            errorCodes: codes.length > 0 ? codes : undefined,
            durationMs: Math.round(seconds * 10_000) / 10,
          });
        },
      };
    },
  };
}
