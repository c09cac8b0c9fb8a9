import type { MessageRecord } from '../../ports/chat-store';
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
  /** Set when another instance settled the reply first: its hold is released, not charged. */
  private notCharged = false;

  constructor(
    private readonly deps: GenerationDeps,
    private readonly start: GenerationStart,
    private readonly publisher: ReplyPublisher,
  ) {}

  async finish(outcome: ReplyOutcome, streamed: string): Promise<Generated> {
    let reply: MessageRecord | null = null;
    try {
      reply = await this.store(outcome);
      if (reply) this.record(reply.status, outcome);
      await this.charge(reply ? outcome : null);
      if (reply) await this.updateContext(reply);
    } catch (error: unknown) {
      this.deps.log.error('storing a finished reply failed', { messageId: this.start.exchange.assistantMessage.id, err: error });
      await this.start.hold.release().catch(() => undefined);
    } finally {
      await this.start.slot.release().catch((error: unknown) => this.deps.log.warn('generation slot not released', { err: error }));
    }
    // A reply whose text was never streamed (cache hit, canned DEGRADED text) goes out as one delta,
    // so the deltas a watcher joins always equal the stored content.
    const content = reply?.content ?? '';
    if (content.startsWith(streamed) && content.length > streamed.length) this.publisher.push(content.slice(streamed.length));
    // The caller's answer does not wait for the final event to reach Redis; shutdown waits for it.
    const published = this.publisher.finish();
    return { exchange: { userMessage: this.start.exchange.userMessage, assistantMessage: reply ?? this.start.exchange.assistantMessage }, reply, outcome, published };
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
    this.notCharged = true;
    return current;
  }

  /** Step 9: real usage for a model or cancelled reply, the configured fraction for a hit, else nothing. */
  private async charge(outcome: ReplyOutcome | null): Promise<void> {
    const { hold } = this.start;
    if (!outcome || this.notCharged) return hold.release();
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
    const { viewer, conversation, exchange } = this.start;
    await this.deps.context.appendExchange(
      viewer, conversation, { role: 'user', content: exchange.userMessage.content },
      reply.status === 'COMPLETE' ? { role: 'assistant', content: reply.content } : null, reply.seq,
    );
  }
}
