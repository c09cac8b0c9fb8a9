import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * Every Prometheus series Parley exports, on a registry of its own (so several apps can
 * share a process in tests). Labels are bounded: schema field names, configured models and
 * upstreams, error codes, fixed enums — never user ids or raw operation text.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly graphqlOperations = this.counter('parley_graphql_operations_total', 'GraphQL operations by root field, type and outcome', ['field', 'type', 'outcome']);
  readonly graphqlDuration = this.histogram('parley_graphql_operation_duration_seconds', 'GraphQL operation duration', ['field', 'type'], LATENCY_BUCKETS);
  readonly graphqlErrors = this.counter('parley_graphql_errors_total', 'GraphQL errors by extensions.code', ['code']);

  readonly modelCalls = this.counter('parley_model_calls_total', 'Model calls by requested model and outcome', ['model', 'outcome']);
  readonly modelDuration = this.histogram('parley_model_call_duration_seconds', 'Model call duration, retries and fallbacks included', ['model'], LATENCY_BUCKETS);
  readonly modelFirstToken = this.histogram('parley_model_time_to_first_token_seconds', 'Time to the first streamed token', ['model'], LATENCY_BUCKETS);
  readonly modelTokens = this.counter('parley_model_tokens_total', 'Tokens charged by answering model and kind', ['model', 'kind']);
  readonly modelCost = this.counter('parley_model_cost_usd_total', 'Model cost in USD by answering model', ['model']);
  readonly replies = this.counter('parley_replies_total', 'Assistant replies stored, by status', ['status']);

  readonly breakerState = this.gauge('parley_breaker_state', 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open', ['upstream']);
  readonly breakerTransitions = this.counter('parley_breaker_transitions_total', 'Circuit breaker state changes', ['upstream', 'state']);
  readonly retries = this.counter('parley_model_retries_total', 'Retries of model calls', ['upstream', 'reason']);
  readonly fallbacks = this.counter('parley_model_fallbacks_total', 'Fallbacks from one upstream to the next', ['from', 'to', 'reason']);
  readonly keyCooldowns = this.counter('parley_model_key_cooldowns_total', 'API keys put to rest', ['upstream', 'reason']);
  readonly upstreamRejections = this.counter('parley_upstream_queue_rejections_total', 'Model calls refused because the upstream queue was full or timed out', ['reason']);
  readonly upstreamInFlight = this.gauge('parley_upstream_in_flight', 'Model calls in flight on this instance', []);
  readonly upstreamQueueDepth = this.gauge('parley_upstream_queue_depth', 'Model calls waiting for an upstream slot', []);

  readonly rateLimitRejections = this.counter('parley_rate_limit_rejections_total', 'Requests refused by a rate limiter', ['limiter']);
  readonly ratings = this.counter('parley_message_ratings_total', 'Ratings given to assistant replies, by the model that wrote them', ['model', 'rating']);
  readonly titles = this.counter('parley_conversation_titles_total', 'Generated conversation titles by outcome (stored, kept: the user set one meanwhile, failed)', ['outcome']);
  readonly rateLimitInsurance = this.counter('parley_rate_limit_insurance_total', 'Limiter decisions taken in process because Redis failed', ['limiter']);
  readonly generationsInFlight = this.gauge('parley_generations_in_flight', 'Replies being generated on this instance', []);
  readonly replyCancellations = this.counter('parley_reply_cancellations_total', 'Generations stopped before the model finished, by reason (user, shutdown, timeout)', ['reason']);
  readonly subscriptionsActive = this.gauge('parley_subscriptions_active', 'Open replyStream subscriptions on this instance, by transport', ['transport']);
  readonly streamEvents = this.counter('parley_stream_events_total', 'Reply events sent to subscribers, by transport and kind (delta, final)', ['transport', 'kind']);

  readonly budgetReservations = this.counter('parley_budget_reservations_total', 'Budget reservations by outcome', ['outcome']);
  readonly budgetSettlements = this.counter('parley_budget_settlements_total', 'Budget reservations closed, by how', ['kind']);
  readonly budgetRejections = this.counter('parley_budget_rejections_total', 'Sends refused for budget, by exceeded period', ['period']);

  readonly cacheRequests = this.counter('parley_cache_requests_total', 'Cache lookups by level and result', ['level', 'result']);
  readonly cacheErrors = this.counter('parley_cache_errors_total', 'Cache lookups that failed, by level and reason (e.g. embed_malformed, embed_timeout, store_unavailable)', ['level', 'reason']);
  readonly cacheTokensSaved = this.counter('parley_cache_tokens_saved_total', 'Model tokens not spent thanks to response cache hits', []);

  readonly storeDuration = this.histogram('parley_store_operation_duration_seconds', 'Chat store operation duration', ['store', 'operation', 'outcome'], STORE_BUCKETS);
  readonly redisDuration = this.histogram('parley_redis_operation_duration_seconds', 'Redis-backed operation duration', ['component', 'operation', 'outcome'], STORE_BUCKETS);
  readonly dependencyUp = this.gauge('parley_dependency_up', 'Whether a dependency answered its last readiness check', ['dependency']);

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]) {
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[]) {
    return new Gauge<L>({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) {
    return new Histogram<L>({ name, help, labelNames, buckets, registers: [this.registry] });
  }
}
