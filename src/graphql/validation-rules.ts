import { GraphQLError, Kind, NoSchemaIntrospectionCustomRule, specifiedRules, type DocumentNode, type ValidationRule } from 'graphql';

export interface ValidationOptions {
  introspection: boolean;
}

/**
 * The validation rules every transport adds to graphql's own, configured in this one place so an
 * operation is judged alike over HTTP, WebSocket and SSE. Apollo takes these as they are (it adds
 * graphql's rules, and its own introspection rule when introspection is off).
 */
export function validationRules(_options: ValidationOptions): ValidationRule[] {
  return [];
}

/** What the streaming transports validate with: graphql's rules, ours, and no introspection when it is off. */
export function allValidationRules(options: ValidationOptions): ValidationRule[] {
  return [...specifiedRules, ...validationRules(options), ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
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
