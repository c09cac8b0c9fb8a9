import type { LlmClient } from '../../ports/llm-client';
import { KeyRing } from './key-ring';
import type { EventSink } from './resilience-events';
import { UpstreamBreaker, type BreakerSettings } from './upstream-breaker';

export interface UpstreamTarget {
  /** Names the provider in breaker names, events and errors, e.g. 'openai'. */
  provider: string;
  /** The SDK's default endpoint when absent. */
  baseUrl?: string;
  model: string;
  /** Rotated round-robin; at least one. */
  apiKeys: string[];
}

export interface ClientSettings {
  baseUrl?: string;
  apiKey: string;
  timeoutMs: number;
}

/** Builds the plain client for one endpoint and key; it must not retry on its own. */
export type ClientFactory = (target: ClientSettings) => LlmClient;

/** One provider + model, as requests are routed, guarded and reported. */
export interface Upstream {
  id: string;
  model: string;
  keys: KeyRing;
  breaker: UpstreamBreaker;
  clientFor(apiKey: string): LlmClient;
}

export interface RegistryOptions {
  targets: readonly UpstreamTarget[];
  createClient: ClientFactory;
  breaker: BreakerSettings;
  events: EventSink;
}

/** Which target answers as primary for `model`, then the fallbacks in configured order. */
export function routeFor(targets: readonly UpstreamTarget[], model: string): Array<{ target: number; model: string }> {
  const found = targets.findIndex((target) => target.model === model);
  const primary = found === -1 ? 0 : found;
  const fallbacks = targets.flatMap((target, index) => (index === primary ? [] : [{ target: index, model: target.model }]));
  return [{ target: primary, model }, ...fallbacks];
}

interface TargetState {
  target: UpstreamTarget;
  keys: KeyRing;
}

/** Owns the breakers, key rings and clients, each made once and shared by every request. */
export class UpstreamRegistry {
  private readonly targets: TargetState[];
  private readonly breakers = new Map<string, UpstreamBreaker>();
  private readonly clients = new Map<string, LlmClient>();

  constructor(private readonly options: RegistryOptions) {
    this.targets = options.targets.map((target) => ({ target, keys: new KeyRing(target.apiKeys) }));
  }

  /** The upstreams to try for a request naming `model`, primary first. */
  plan(model: string): Upstream[] {
    return routeFor(this.options.targets, model).map((route) => this.upstream(route.target, route.model));
  }

  allBreakers(): UpstreamBreaker[] {
    return [...this.breakers.values()];
  }

  shutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
  }

  private upstream(index: number, model: string): Upstream {
    const state = this.targets[index];
    if (state === undefined) throw new RangeError(`no upstream target at index ${index}`);
    const { target, keys } = state;
    const id = `${target.provider}/${model}`;
    const breaker = this.breakerFor(id);
    return { id, model, keys, breaker, clientFor: (apiKey) => this.clientFor(target.baseUrl, apiKey) };
  }

  private breakerFor(id: string): UpstreamBreaker {
    let breaker = this.breakers.get(id);
    if (breaker === undefined) {
      const events = this.options.events;
      breaker = new UpstreamBreaker(id, this.options.breaker, (state) => events.breakerState(id, state));
      this.breakers.set(id, breaker);
    }
    return breaker;
  }

  private clientFor(baseUrl: string | undefined, apiKey: string): LlmClient {
    const cacheKey = `${baseUrl ?? ''}\n${apiKey}`;
    let client = this.clients.get(cacheKey);
    if (client === undefined) {
      client = this.options.createClient({ baseUrl, apiKey, timeoutMs: this.options.breaker.timeoutMs });
      this.clients.set(cacheKey, client);
    }
    return client;
  }
}
