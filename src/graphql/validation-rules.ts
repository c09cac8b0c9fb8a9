import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { costError, costOf, limitRules, type QueryLimits } from './query-limits';

export interface ValidationOptions {
  /** Introspection, and schema hints ("Did you mean …") in error messages. */
  introspection: boolean;
  limits: QueryLimits;
}

/**
 * The validation rules every transport adds to graphql's own, configured in this one place so an
 * operation is judged alike over HTTP, WebSocket and SSE. Apollo takes these as they are (it adds
 * graphql's rules, and its own introspection rule when introspection is off).
 */
export function validationRules(options: ValidationOptions): ValidationRule[] {
  return limitRules(options.limits);
}

/** What the streaming transports validate with: graphql's rules, ours, and no introspection when it is off. */
export function allValidationRules(options: ValidationOptions): ValidationRule[] {
  return [...specifiedRules, ...validationRules(options), ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
}

/**
 * Parse (at most GRAPHQL_MAX_TOKENS tokens), validate and price an operation for a streaming
 * transport as Apollo does for HTTP: the same limits, the same client codes, and no schema hints
 * when introspection is off. graphql-ws and graphql-sse skip their own parse and validation when
 * given these arguments.
 */
export function streamExecutionArgs(
  schema: GraphQLSchema,
  options: ValidationOptions,
  rules: ValidationRule[],
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
): ExecutionArgs | GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: options.limits.maxTokens });
  } catch (error: unknown) {
    return [clientError(error, 'GRAPHQL_PARSE_FAILED', options)];
  }
  const errors = validate(schema, document, rules);
  if (errors.length > 0) return errors.map((error) => clientError(error, 'GRAPHQL_VALIDATION_FAILED', options));
  const notSubscription = subscriptionsOnly(document, payload.operationName);
  if (notSubscription) return [notSubscription];
  const variables = payload.variables ?? undefined;
  const cost = costOf(schema, document, options.limits, variables, payload.operationName);
  if (cost !== null && cost > options.limits.maxCost) return [costError(cost, options.limits)];
  return { schema, document, operationName: payload.operationName, variableValues: variables };
}

/** As Apollo's hideSchemaDetailsFromClientErrors: the schema stays unnamed when introspection is off. */
export function withoutSchemaHints(message: string, options: Pick<ValidationOptions, 'introspection'>): string {
  return options.introspection ? message : message.replace(/ ?Did you mean .+\?$/u, '');
}

function clientError(error: unknown, code: string, options: ValidationOptions): GraphQLError {
  const original = error instanceof GraphQLError ? error : new GraphQLError(String(error));
  return new GraphQLError(withoutSchemaHints(original.message, options), {
    nodes: original.nodes, source: original.source, positions: original.positions,
    extensions: { ...original.extensions, code },
  });
}

/**
 * The streaming transports carry subscriptions only: queries and mutations go over HTTP, where
 * the request plugins (logs, metrics, CSRF rules) see them.
 */
export function subscriptionsOnly(document: DocumentNode, operationName: string | null | undefined): GraphQLError | null {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const operation = operations.find((definition) => (operationName ? definition.name?.value === operationName : true));
  if (!operation || operation.operation === 'subscription') return null;
  return new GraphQLError(`Only subscriptions are served here; send ${operation.operation}s as HTTP POST to /graphql`, {
    extensions: { code: 'BAD_REQUEST' },
  });
}
