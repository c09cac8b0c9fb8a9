import { LlmError } from '../../errors/llm-error';
import type { Embedder } from '../../ports/embedder';
import { LruMap } from '../lru-map';

export interface BatchingEmbedderOptions {
  /** How long a text waits for others to share its request; 0 sends each call's texts at once. */
  windowMs: number;
  /** Texts per request at most; a full batch goes out without waiting. */
  maxBatch: number;
  /** Vectors of recently embedded texts kept in memory (least recently used go first); 0 keeps none. */
  memoSize: number;
}

interface Waiting {
  resolve: (vector: number[]) => void;
  reject: (error: unknown) => void;
}

/** One text's place in a request: everyone waiting for it, and how many of them still want it. */
interface Slot {
  text: string;
  waiting: Set<Waiting>;
}

interface Batch {
  slots: Map<string, Slot>;
  /** Aborted once nobody waits for any of its texts. */
  controller: AbortController;
  timer: NodeJS.Timeout | null;
  sent: boolean;
}

const aborted = () => new LlmError('aborted', 'embedding request was aborted');

/**
 * Embeddings for concurrent lookups in one request: texts asked for within `windowMs` of each
 * other go out as one `/v1/embeddings` call with several inputs (fewer upstream calls, less CPU
 * per lookup), a text already waiting or in flight is asked for once, and recent vectors are
 * answered from memory. A caller that aborts stops waiting at once; the request is aborted only
 * when every caller in it has. A failed request fails each of its callers and is not remembered.
 */
export class BatchingEmbedder implements Embedder {
  readonly space: string;
  private open: Batch | null = null;
  /** Texts sent and not yet answered, by text: a later caller joins the request in flight. */
  private readonly inFlight = new Map<string, { batch: Batch; slot: Slot }>();
  private readonly memo: LruMap<string, number[]>;

  constructor(private readonly inner: Embedder, private readonly options: BatchingEmbedderOptions) {
    this.space = inner.space;
    this.memo = new LruMap(options.memoSize);
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (signal?.aborted) throw aborted();
    return Promise.all(texts.map((text) => this.one(text, signal)));
  }

  private one(text: string, signal: AbortSignal | undefined): Promise<number[]> {
    const remembered = this.recall(text);
    if (remembered) return Promise.resolve(remembered);
    return new Promise<number[]>((resolve, reject) => {
      const joined = this.inFlight.get(text);
      const batch = joined?.batch ?? this.openBatch();
      const slot = joined?.slot ?? batch.slots.get(text) ?? { text, waiting: new Set<Waiting>() };
      batch.slots.set(text, slot);
      const onAbort = () => {
        slot.waiting.delete(waiting);
        reject(aborted());
        this.abandonIfUnwanted(batch);
      };
      const done = () => signal?.removeEventListener('abort', onAbort);
      const waiting: Waiting = {
        resolve: (vector) => {
          done();
          resolve([...vector]);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      slot.waiting.add(waiting);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (!batch.sent && batch.slots.size >= this.options.maxBatch) this.send(batch);
    });
  }

  private openBatch(): Batch {
    if (this.open && !this.open.sent && this.open.slots.size < this.options.maxBatch) return this.open;
    const batch: Batch = { slots: new Map(), controller: new AbortController(), timer: null, sent: false };
    this.open = batch;
    if (this.options.windowMs <= 0) queueMicrotask(() => this.send(batch));
    else batch.timer = setTimeout(() => this.send(batch), this.options.windowMs);
    return batch;
  }

  private send(batch: Batch): void {
    if (batch.sent) return;
    batch.sent = true;
    if (batch.timer) clearTimeout(batch.timer);
    if (this.open === batch) this.open = null;
    const slots = [...batch.slots.values()].filter((slot) => slot.waiting.size > 0);
    if (slots.length === 0) return;
    for (const slot of slots) this.inFlight.set(slot.text, { batch, slot });
    const settle = (each: (slot: Slot, index: number) => void) => {
      slots.forEach((slot, index) => {
        if (this.inFlight.get(slot.text)?.slot === slot) this.inFlight.delete(slot.text);
        each(slot, index);
      });
    };
    this.inner.embed(slots.map((slot) => slot.text), batch.controller.signal).then(
      (vectors) => {
        if (vectors.length !== slots.length) throw new LlmError('server', `the embeddings endpoint answered ${vectors.length} vectors for ${slots.length} texts`);
        settle((slot, index) => {
          const vector = vectors[index]!;
          this.memo.set(slot.text, vector);
          for (const waiting of slot.waiting) waiting.resolve(vector);
        });
      },
    ).catch((error: unknown) => settle((slot) => {
      for (const waiting of slot.waiting) waiting.reject(error);
    }));
  }

  /** A request nobody waits for any more is aborted (or, not yet sent, never sent). */
  private abandonIfUnwanted(batch: Batch): void {
    for (const slot of batch.slots.values()) if (slot.waiting.size > 0) return;
    if (!batch.sent) {
      batch.sent = true;
      if (batch.timer) clearTimeout(batch.timer);
      if (this.open === batch) this.open = null;
      return;
    }
    // Nobody may join it now: a later caller of one of its texts starts a request of its own.
    for (const slot of batch.slots.values()) if (this.inFlight.get(slot.text)?.slot === slot) this.inFlight.delete(slot.text);
    batch.controller.abort();
  }

  private recall(text: string): number[] | undefined {
    const vector = this.memo.get(text);
    return vector && [...vector];
  }
}
