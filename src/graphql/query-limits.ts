import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../errors';

/** How big an operation may be; checked before anything runs, on every transport. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  /** A connection asked for without first/last costs this page size. */
  pageSizeDefault: number;
  pageSizeMax: number;
}

/** Mutations that call the model: one per operation, so a request is refused or run whole. */
export const MODEL_MUTATIONS: ReadonlySet<string> = new Set(['sendMessage', 'regenerateReply', 'editMessage']);
/** Conversation writes, counted against the per-user write limit all at once. */
export const WRITE_MUTATIONS: ReadonlySet<string> = new Set(['createConversation', 'renameConversation', 'updateSystemPrompt', 'deleteConversation', 'selectBranch', 'updateConversation', 'archiveConversation', 'rateMessage']);

/** Depth (introspection's own nesting aside), aliases and directives: graphql-armor's rules. */
export function limitRules(limits: QueryLimits): ValidationRule[] {
  // Reported as validation errors: thrown (the rules' default) they would end validation as a 500.
  const report = { propagateOnRejection: false, onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)] };
  return [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, ...report }),
    maxAliasesRule({ n: limits.maxAliases, ...report }),
    maxDirectivesRule({ n: limits.maxDirectives, ...report }),
  ];
}

/**
 * Each field costs 1 plus what it selects; a connection costs 1 plus its page size (first or
 * last, else the default page) times what each edge selects, so nested pages multiply.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, limits: QueryLimits, variables?: Record<string, unknown>, operationName?: string | null): number {
  const pages: ComplexityEstimator = ({ field, args, childComplexity }) => {
    if (!getNamedType(field.type).name.endsWith('Connection')) return undefined;
    const asked = Number(args.first ?? args.last ?? limits.pageSizeDefault);
    const size = Number.isFinite(asked) ? Math.min(Math.max(asked, 0), limits.pageSizeMax) : limits.pageSizeMax;
    return 1 + size * childComplexity;
  };
  return getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    operationName: operationName ?? undefined,
    estimators: [pages, simpleEstimator({ defaultComplexity: 1 })],
  });
}

/**
 * The cost, or null when the variables do not fit the operation: execution then refuses them
 * (BAD_USER_INPUT) before any resolver runs, so there is nothing to price.
 */
export function costOf(...args: Parameters<typeof operationCost>): number | null {
  try {
    return operationCost(...args);
  } catch (error: unknown) {
    if (error instanceof GraphQLError) return null;
    throw error;
  }
}

/** Arguments whose values change an operation's cost: page sizes, and whether a selection is included. */
const COST_ARGUMENTS: ReadonlySet<string> = new Set(['first', 'last', 'if']);
/** Priced variants kept per document (distinct page sizes, operation names); beyond it they are priced afresh. */
const VARIANTS_PER_DOCUMENT = 64;

interface DocumentCosts {
  /** Variables that feed a cost argument: with the operation's name, all a price depends on. */
  inputs: string[];
  prices: Map<string, number>;
}

/**
 * costOf, priced once per parsed document (Apollo hands the same DocumentNode to every request
 * with the same query text) and set of the variables that can change the price. Variables are
 * still checked against the operation on every call, as costOf does, so bad ones give null.
 */
export class OperationCosts {
  private readonly documents = new WeakMap<DocumentNode, DocumentCosts>();

  constructor(private readonly schema: GraphQLSchema, private readonly limits: QueryLimits) {}

  of(document: DocumentNode, variables?: Record<string, unknown>, operationName?: string | null): number | null {
    const operation = getOperationAST(document, operationName);
    // No such operation: nothing runs, so nothing is worth keeping (costOf says what it says).
    if (!operation) return costOf(this.schema, document, this.limits, variables, operationName);
    const costs = this.costsOf(document);
    const key = JSON.stringify([operationName ?? null, ...costs.inputs.map((name) => variables?.[name] ?? null)]);
    const known = costs.prices.get(key);
    if (known !== undefined) return getVariableValues(this.schema, operation.variableDefinitions ?? [], variables ?? {}).errors ? null : known;
    const cost = costOf(this.schema, document, this.limits, variables, operationName);
    if (cost === null) return null;
    if (costs.prices.size >= VARIANTS_PER_DOCUMENT) costs.prices.clear();
    costs.prices.set(key, cost);
    return cost;
  }

  private costsOf(document: DocumentNode): DocumentCosts {
    let costs = this.documents.get(document);
    if (!costs) {
      costs = { inputs: costInputs(document), prices: new Map() };
      this.documents.set(document, costs);
    }
    return costs;
  }
}

/** The variables passed to first, last or a directive's if, anywhere in the document. */
function costInputs(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if (COST_ARGUMENTS.has(node.name.value) && node.value.kind === Kind.VARIABLE) names.add(node.value.name.value);
    },
  });
  return [...names].sort();
}

export function costError(cost: number, limits: QueryLimits): GraphQLError {
  return new GraphQLError(`This operation costs ${cost}, above the limit of ${limits.maxCost}: ask for smaller pages or fewer fields`, {
    extensions: { code: ErrorCode.QueryTooComplex, cost, maxCost: limits.maxCost, http: { status: 400 } },
  });
}

/** How many times each root field of the operation is selected, through fragments and aliases. */
export function rootFieldCounts(document: DocumentNode, operation: OperationDefinitionNode): Map<string, number> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const counts = new Map<string, number>();
  const visit = (selections: SelectionSetNode, seen: Set<string>) => {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) counts.set(selection.name.value, (counts.get(selection.name.value) ?? 0) + 1);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, seen);
      else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet, new Set([...seen, selection.name.value]));
      }
    }
  };
  visit(operation.selectionSet, new Set());
  return counts;
}

/** Refuses an operation that asks for more than one model call. */
export function modelCallsError(counts: Map<string, number>): GraphQLError | null {
  const calls = [...counts].filter(([name]) => MODEL_MUTATIONS.has(name)).reduce((sum, [, count]) => sum + count, 0);
  if (calls <= 1) return null;
  return new GraphQLError(`At most one ${[...MODEL_MUTATIONS].join(' or ')} per request (this one has ${calls}); send them one at a time`, {
    extensions: { code: ErrorCode.BadUserInput, http: { status: 400 } },
  });
}

export function writeCount(counts: Map<string, number>): number {
  return [...counts].filter(([name]) => WRITE_MUTATIONS.has(name)).reduce((sum, [, count]) => sum + count, 0);
}
