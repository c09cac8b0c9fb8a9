import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { RateLimitService } from '../services/rate-limit.service';
import type { Viewer } from '../services/viewer';
import type { GraphQLContext } from './context';
import { toGraphQLError } from './format-error';
import { costError, modelCallsError, OperationCosts, rootFieldCounts, writeCount, type QueryLimits } from './query-limits';

/**
 * After validation, before anything runs: the operation's cost against GRAPHQL_MAX_COST, at most
 * one model call per mutation, a query's cost spent from the user's read budget, and all of a
 * mutation's conversation writes counted at once, so a request runs whole or is refused whole.
 */
export function queryLimitsPlugin(schema: GraphQLSchema, limits: QueryLimits, rateLimits: RateLimitService): ApolloServerPlugin<GraphQLContext> {
  const costs = new OperationCosts(schema, limits);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, contextValue }) {
          if (!operation) return;
          if (operation.operation === 'subscription') throw subscriptionOverHttp();
          const cost = costs.of(document, request.variables, request.operationName);
          if (cost === null) return;
          if (cost > limits.maxCost) throw costError(cost, limits);
          const viewer = viewerOf(contextValue);
          if (operation.operation === 'mutation') {
            const counts = rootFieldCounts(document, operation);
            const tooMany = modelCallsError(counts);
            if (tooMany) throw tooMany;
            if (viewer) await refused(() => rateLimits.checkWrites(viewer, writeCount(counts)));
          } else if (operation.operation === 'query' && viewer) {
            await refused(() => rateLimits.checkReadCost(viewer, cost));
          }
        },
      };
    },
  };
}

/** A client mistake, not a server fault: subscriptions have transports of their own. */
function subscriptionOverHttp(): GraphQLError {
  return new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) or as Server-Sent Events (POST with Accept: text/event-stream), not as plain POST', {
    extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
  });
}

/** Anonymous operations are refused by their resolvers (UNAUTHENTICATED) and limited per IP. */
function viewerOf(context: GraphQLContext): Viewer | null {
  try {
    return context.viewer();
  } catch {
    return null;
  }
}

async function refused(check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (error: unknown) {
    throw toGraphQLError(error, 429);
  }
}
