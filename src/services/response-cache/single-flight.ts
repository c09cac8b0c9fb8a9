import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { FlightClaim, ResponseCacheStore } from '../../ports/response-cache';
import { assertNever } from '../model-router/assert-never';
import type { CacheCallGuard, Guarded } from './cache-call-guard';
import type { CacheQuery } from './cache-query';
import { toCacheHit } from './cache-hit';
import { CacheLevel, type CacheableReply, type FlightOutcome, type Produced } from './cache-types';
import { MAX_FLIGHT_POLL_MS, type ResolvedResponseCacheOptions } from './response-cache-options';

/** A single-flight claim made ahead of the call it guards. */
export interface FlightTicket {
  owner: string;
  /** null when the request may not read the cache (no flight). */
  first: Promise<Guarded<FlightClaim>> | null;
}

export interface SingleFlightDeps {
  store: ResponseCacheStore;
  guard: CacheCallGuard;
  options: ResolvedResponseCacheOptions;
  /** Writes a produced reply, ending the owner's lock in the same step; true when stored. */
  write: (query: CacheQuery, reply: CacheableReply, flightOwner?: string) => Promise<boolean>;
  /** @defaultValue timers/promises setTimeout */
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Coalesces identical requests (same exact key) across instances: the first claims a short lock
 * and produces; the others poll until the entry appears and share it. When the owner fails or
 * has nothing cacheable, it leaves an "abandoned" mark and every waiter produces on its own
 * rather than queueing behind one another; when the owner dies, its lock expires and a waiter
 * takes over. If the store is unavailable nobody waits.
 */
export class SingleFlight {
  private readonly sleep: (ms: number) => Promise<unknown>;

  constructor(private readonly deps: SingleFlightDeps) {
    this.sleep = deps.sleep ?? delay;
  }

  /**
   * Makes the first claim now, so it can travel with other work; `run` then goes on from it.
   * A ticket that is never run must be dropped (see `drop`), or twins wait for its lock to lapse.
   */
  start(query: CacheQuery): FlightTicket {
    const owner = randomUUID();
    return { owner, first: query.readable ? this.claim(query, owner) : null };
  }

  /** Gives up a ticket's lock without producing (the request was refused after all). */
  async drop(query: CacheQuery, ticket: FlightTicket): Promise<void> {
    const claim = await ticket.first;
    if (claim?.ok && claim.value.kind === 'claimed') await this.abandon(query, ticket.owner);
  }

  async run<T>(query: CacheQuery, produce: () => Promise<Produced<T>>, ticket: FlightTicket = this.start(query)): Promise<FlightOutcome<T>> {
    if (!query.readable || !ticket.first) return this.produceAlone(query, produce);
    const owner = ticket.owner;
    const deadline = Date.now() + this.deps.options.flightWaitMs;
    let pause = this.deps.options.flightPollMs;
    let pending: Promise<Guarded<FlightClaim>> | null = ticket.first;
    for (;;) {
      const claim = await (pending ?? this.claim(query, owner));
      pending = null;
      if (!claim.ok) return this.produceAlone(query, produce);
      switch (claim.value.kind) {
        case 'hit':
          return { source: 'cache', hit: toCacheHit(claim.value.reply, CacheLevel.Exact, 1) };
        case 'claimed':
          return this.produceAsOwner(query, produce, owner);
        case 'abandoned':
          return this.produceAlone(query, produce);
        case 'busy':
          if (Date.now() + pause > deadline) return this.produceAlone(query, produce);
          await this.sleep(pause);
          pause = Math.min(pause * 1.5, MAX_FLIGHT_POLL_MS);
          break;
        default:
          assertNever(claim.value);
      }
    }
  }

  private claim(query: CacheQuery, owner: string): Promise<Guarded<FlightClaim>> {
    return this.deps.guard.run('claimFlight', () => this.deps.store.claimFlight(query.key, owner, this.deps.options.flightLockMs));
  }

  private async produceAlone<T>(query: CacheQuery, produce: () => Promise<Produced<T>>): Promise<FlightOutcome<T>> {
    const produced = await produce();
    const stored = produced.reply ? await this.deps.write(query, produced.reply) : false;
    return { source: 'produced', value: produced.value, stored };
  }

  private async produceAsOwner<T>(query: CacheQuery, produce: () => Promise<Produced<T>>, owner: string): Promise<FlightOutcome<T>> {
    let produced: Produced<T>;
    try {
      produced = await produce();
    } catch (error: unknown) {
      await this.abandon(query, owner);
      throw error;
    }
    const stored = produced.reply ? await this.deps.write(query, produced.reply, owner) : false;
    if (!stored) await this.abandon(query, owner);
    return { source: 'produced', value: produced.value, stored };
  }

  private async abandon(query: CacheQuery, owner: string): Promise<void> {
    await this.deps.guard.run('endFlight', () => this.deps.store.endFlight(query.key, owner, this.deps.options.flightAbandonedMs));
  }
}
