import type { Config } from '../config';
import { sharedNodeHttpFetch } from '../adapters/openai/node-http-fetch';
import { OpenAiLlmClient } from '../adapters/openai/openai-llm-client';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { ResilientLlmClient, type ResilienceEvents } from '../services/model-router';

const BREAKER_LEVEL = { closed: 0, 'half-open': 1, open: 2 } as const;

/** The resilient client over every configured upstream: the primary provider, then LLM_FALLBACKS. */
export function createLlm(config: Config, log: Logger, metrics: Metrics): ResilientLlmClient {
  const { openai, resilience } = config;
  if (openai.apiKeys.length === 0) {
    throw new Error('OPENAI_API_KEY is not set (npm run dev starts a local fake model when it is unset)');
  }
  const primary = { provider: 'openai', baseUrl: openai.baseUrl, model: openai.defaultModel, apiKeys: openai.apiKeys };
  const fallbacks = openai.fallbacks.map((target) => ({
    provider: target.provider ?? (target.baseUrl ? new URL(target.baseUrl).host : 'openai'),
    baseUrl: target.baseUrl ?? openai.baseUrl,
    model: target.model,
    apiKeys: target.apiKeys ?? openai.apiKeys,
  }));
  return new ResilientLlmClient({
    targets: [primary, ...fallbacks],
    createClient: (settings) => new OpenAiLlmClient({ ...settings, maxRetries: openai.maxRetries, fetch: upstreamFetch(config) }),
    breaker: resilience.breaker,
    retry: resilience.retry,
    keyCooldownMs: resilience.keyCooldownMs,
    maxInFlight: resilience.maxInFlight,
    maxQueue: resilience.maxQueue,
    queueTimeoutMs: resilience.queueTimeoutMs,
    events: resilienceEvents(log, metrics),
  });
}

/** The transport under the SDK (OPENAI_TRANSPORT); undefined keeps the SDK's own. */
export function upstreamFetch(config: Config): typeof fetch | undefined {
  return config.openai.transport === 'node' ? sharedNodeHttpFetch() : undefined;
}

function resilienceEvents(log: Logger, metrics: Metrics): ResilienceEvents {
  return {
    onBreakerState: (upstream, state) => {
      metrics.breakerState.set({ upstream }, BREAKER_LEVEL[state]);
      metrics.breakerTransitions.inc({ upstream, state });
      log.warn('circuit breaker changed state', { upstream, state });
    },
    onRetry: (event) => metrics.retries.inc({ upstream: event.upstream, reason: event.kind }),
    onFallback: (event) => {
      metrics.fallbacks.inc({ from: event.from, to: event.to, reason: event.reason });
      log.warn('model fallback taken', { ...event });
    },
    onKeyCooldown: (event) => {
      metrics.keyCooldowns.inc({ upstream: event.upstream, reason: event.kind });
      log.warn('api key cooling down', { ...event });
    },
    onQuotaExhausted: (event) => log.error('model provider quota exhausted', { ...event }),
    onQueueRejected: (event) => {
      metrics.upstreamRejections.inc({ reason: event.reason });
      log.warn('upstream queue full: request refused', { ...event });
    },
    onExhausted: (failures) => log.error('every model upstream failed', { failures }),
  };
}
