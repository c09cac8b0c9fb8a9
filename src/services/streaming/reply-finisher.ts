import type { MessageRecord, TokenUsage } from '../../ports/chat-store';
import { replyFields, type ReplyOutcome } from '../reply-outcome';
import type { Generated, GenerationDeps, GenerationStart } from './generation';
import type { ReplyPublisher } from './reply-publisher';

/**
 * Steps 8-10 of a generation, run once whatever its outcome: store the reply with its usage in
 * one write, count it, charge what was used (or release the hold), update the context window,
 * free the slot, and publish the final event. Never throws: each step's failure is logged and the
 * rest still run, so nothing stays held.
 */
export class ReplyFinisher {
  /** Set when the reply was deleted or settled elsewhere (another instance's cancel) before this finish. */
  private settledElsewhere = false;

  constructor(
    private readonly deps: GenerationDeps,
    private readonly start: GenerationStart,
    private readonly publisher: ReplyPublisher,
  ) {}

  /**
   * `used` counts what the model produced so far; it is charged when this reply could not be
   * stored as this generation's (deleted meanwhile, or settled by another instance's cancel).
   */
  async finish(outcome: ReplyOutcome, streamed: string, used: () => TokenUsage): Promise<Generated> {
    let reply: MessageRecord | null = null;
    let storeFailed = false;
    try {
      reply = await this.store(outcome);
      if (reply && !this.settledElsewhere) this.record(reply.status, outcome);
      await (this.settledElsewhere ? this.chargeStreamed(used()) : this.charge(outcome));
      if (reply && !this.settledElsewhere) await this.updateContext(reply);
    } catch (error: unknown) {
      storeFailed = true;
      this.deps.log.error('storing a finished reply failed', { messageId: this.start.exchange.assistantMessage.id, err: error });
      await this.start.hold.release().catch(() => undefined);
    } finally {
      await this.start.slot.release().catch((error: unknown) => this.deps.log.warn('generation slot not released', { err: error }));
    }
    // Still PENDING in the store: no final event; watchers end once the stale sweep settles it.
    if (storeFailed) return { ...this.generated(reply, outcome, Promise.resolve()), storeFailed };
    // A reply whose text was never streamed (cache hit, canned DEGRADED text) goes out as one delta,
    // so the deltas a watcher joins always equal the stored content.
    const content = reply?.content ?? '';
    if (content.startsWith(streamed) && content.length > streamed.length) this.publisher.push(content.slice(streamed.length));
    // The caller's answer does not wait for the final event to reach Redis; shutdown waits for it.
    return { ...this.generated(reply, outcome, this.publisher.finish()), storeFailed };
  }

  private generated(reply: MessageRecord | null, outcome: ReplyOutcome, published: Promise<void>) {
    return { exchange: { userMessage: this.start.exchange.userMessage, assistantMessage: reply ?? this.start.exchange.assistantMessage }, reply, outcome, published };
  }

  /** The model's work is paid for even when the reply is gone or was settled without it. */
  private async chargeStreamed(usage: TokenUsage): Promise<void> {
    if (usage.totalTokens === 0) return this.start.hold.release();
    return this.start.hold.settle(usage, this.start.conversation.model);
  }

  /** The stored reply; when it was already settled elsewhere (a forced cancel), as it stands. */
  private async store(outcome: ReplyOutcome): Promise<MessageRecord | null> {
    const { conversation, viewer, exchange } = this.start;
    const charged = outcome.kind === 'complete' ? outcome.completion : outcome.kind === 'cancelled' ? outcome : null;
    const finished = await this.deps.store.finishExchange({
      userId: viewer.id,
      conversationId: conversation.id,
      assistantMessageId: exchange.assistantMessage.id,
      ...replyFields(outcome, conversation.model),
      costMicroUsd: charged ? this.deps.budget.cost(charged.model, charged.usage) : 0,
    });
    if (finished) return finished;
    const current = await this.deps.store.getMessage(viewer.id, exchange.assistantMessage.id);
    if (current?.status === 'PENDING') throw new Error('reply could not be finished and is still PENDING');
    this.settledElsewhere = true;
    return current;
  }

  /** Step 9: real usage for a model or cancelled reply, the configured fraction for a hit, else nothing. */
  private async charge(outcome: ReplyOutcome): Promise<void> {
    const { hold } = this.start;
    if (outcome.kind === 'complete') return hold.settle(outcome.completion.usage, outcome.completion.model);
    if (outcome.kind === 'cancelled' && outcome.usage.totalTokens > 0) return hold.settle(outcome.usage, outcome.model);
    const tokens = outcome.kind === 'cached' ? Math.ceil(outcome.hit.usage.totalTokens * this.deps.options.hitBudgetFraction) : 0;
    if (tokens === 0 || outcome.kind !== 'cached') return hold.release();
    return hold.settle({ promptTokens: tokens, completionTokens: 0, totalTokens: tokens }, outcome.hit.model);
  }

  private record(status: string, outcome: ReplyOutcome): void {
    const { metrics, budget } = this.deps;
    metrics.replies.inc({ status });
    if (outcome.kind === 'cached') metrics.cacheTokensSaved.inc(outcome.hit.usage.totalTokens);
    const used = outcome.kind === 'complete' ? outcome.completion : outcome.kind === 'cancelled' ? outcome : null;
    if (!used) return;
    metrics.modelTokens.inc({ model: used.model, kind: 'prompt' }, used.usage.promptTokens);
    metrics.modelTokens.inc({ model: used.model, kind: 'completion' }, used.usage.completionTokens);
    metrics.modelCost.inc({ model: used.model }, budget.cost(used.model, used.usage) / 1e6);
  }

  private async updateContext(reply: MessageRecord): Promise<void> {
    const { viewer, conversation, exchange, forked } = this.start;
    if (forked) return;
    await this.deps.context.appendExchange(
      viewer, conversation, { role: 'user', content: exchange.userMessage.content },
      reply.status === 'COMPLETE' ? { role: 'assistant', content: reply.content } : null, reply.seq,
    );
  }
}
