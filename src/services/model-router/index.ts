export { ResilientLlmClient, type UpstreamHealth } from './resilient-llm-client';
export type { ResilientLlmOptions } from './resilient-llm-options';
export type { UpstreamTarget, ClientFactory, ClientSettings } from './upstream-registry';
export type { BreakerSettings, BreakerStats } from './upstream-breaker';
export type { RetrySettings } from './backoff';
export type {
  BreakerState,
  FallbackEvent,
  KeyCooldownEvent,
  QueueRejectedEvent,
  QuotaExhaustedEvent,
  ResilienceEvents,
  RetryEvent,
} from './resilience-events';
export {
  UpstreamBusyError,
  UpstreamsExhaustedError,
  isExhausted,
  type UpstreamFailure,
  type UpstreamSkipReason,
} from './upstream-errors';
