import type { Embedder } from '../../src/ports/embedder';
import { pairScores, QUERY_PAIRS } from '../fixtures/similar-query-pairs';
import { CREATE } from '../helpers/operations';
import { startTestApp, type TestApp } from '../helpers/test-app';

/**
 * The harshest embedder a guard can meet: both questions of a pair get one and the same vector
 * (similarity 1.0, as a bag-of-words model gives "from A to B" and "from B to A"), and unrelated
 * questions get unrelated ones. A question in several pairs joins their vectors into one.
 * Nothing but the lexical guard can then keep a pair apart.
 */
class PairEmbedder implements Embedder {
  readonly space = 'test.pairs.64';
  private readonly group = new Map<string, string>();

  constructor(pairs: ReadonlyArray<{ first: string; second: string }>) {
    for (const item of pairs) this.join(collapse(item.first), collapse(item.second));
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => {
      if (!this.group.has(collapse(text))) throw new Error(`no vector for ${JSON.stringify(text)}`);
      const seed = [...this.root(collapse(text))].reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) % 1_000_003, 7);
      return Array.from({ length: 64 }, (_, dimension) => Math.sin(seed * 12.9898 + dimension * 78.233));
    });
  }

  private root(text: string): string {
    let current = text;
    while (this.group.get(current) !== current) current = this.group.get(current)!;
    return current;
  }

  private join(a: string, b: string): void {
    for (const text of [a, b]) if (!this.group.has(text)) this.group.set(text, text);
    this.group.set(this.root(a), this.root(b));
  }
}

const collapse = (text: string) => text.replace(/\s+/gu, ' ').trim();

const SEND = `mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) { assistantMessage { content cache { hit similarity } } }
}`;

interface Sent {
  sendMessage: { assistantMessage: { content: string; cache: { hit: string; similarity: number } | null } };
}

describe('the labelled pair set end to end (every pair embedded identically)', () => {
  let t: TestApp;
  const served: boolean[] = [];

  beforeAll(async () => {
    // The probe text is embedded too; give it a vector of its own.
    const embedder = new PairEmbedder([...QUERY_PAIRS, { first: 'Parley embeddings probe', second: 'Parley embeddings probe' }]);
    t = await startTestApp({ env: { RESPONSE_CACHE_ENABLED: 'true', RESPONSE_CACHE_SIMILAR_ENABLED: 'true', RESPONSE_CACHE_SIMILAR_LOOKUP: 'wait' }, embedder });
    const firstTurn = async (token: string, content: string) => {
      const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: {} });
      const sent = await t.gql<Sent>(token, SEND, { input: { conversationId: created.data!.createConversation.id, content } });
      if (sent.errors) throw new Error(JSON.stringify(sent.errors));
      return sent.data!.sendMessage.assistantMessage;
    };
    for (const [index, item] of QUERY_PAIRS.entries()) {
      // A user per pair, so no pair can be answered from another pair's entries.
      const token = await t.token(`pair-${index}`);
      const first = await firstTurn(token, item.first);
      const second = await firstTurn(token, item.second);
      served.push(second.cache !== null && second.content === first.content);
    }
  });
  afterAll(async () => t.stop());

  it('serves no must-miss pair the other question\'s answer', () => {
    const scores = pairScores(QUERY_PAIRS, served);
    expect(scores.wronglyServed).toEqual([]);
    expect(scores.precision).toBe(1);
  });

  it('serves every must-hit pair from the cache; reports recall on all same-meaning pairs', () => {
    const missed = QUERY_PAIRS.filter((item, index) => item.label === 'must-hit' && !served[index]).map((item) => `${item.first} → ${item.second}`);
    expect(missed).toEqual([]);
    const scores = pairScores(QUERY_PAIRS, served);
    process.stdout.write(`[parley tests] similar level end to end on ${QUERY_PAIRS.length} pairs: precision ${scores.precision.toFixed(2)}, ` +
      `must-hit recall ${scores.mustHitRecall.toFixed(2)}, same-meaning recall ${scores.sameMeaningRecall.toFixed(2)}\n`);
    expect(scores.mustHitRecall).toBe(1);
  });

  it('each second question was a first turn that reached the model unless served', () => {
    const upstream = t.fake.requestCount('/v1/chat/completions');
    expect(upstream).toBe(QUERY_PAIRS.length * 2 - served.filter(Boolean).length);
  });
});
