/**
 * Time to first token and plain-send latency at concurrency 1, against the model's own figures:
 * what Parley adds before the first token reaches a client, with the similar-query level off, on
 * and run alongside the model call (`parallel`), and on and awaited before it (`wait`). Each
 * configuration gets its own stack (redis-server, fake model with BENCH_MODEL_LATENCY_MS on chat
 * and embeddings, Parley). Run by `npm run bench` after the load scenarios, or alone with
 * `npm run bench:ttft`.
 */
import OpenAI from 'openai';
import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';
import { BenchClient } from './graphql-client';
import type { BenchOptions, TtftConfigName } from './options';
import { startStack, type Stack } from './stack';

export interface TtftRow {
  config: string;
  /** Median and 95th percentile, ms. */
  modelFirstChunk: Percentiles;
  parleyFirstDelta: Percentiles;
  modelComplete: Percentiles;
  parleySend: Percentiles;
  /** Reworded repeats answered from the similar level, of those tried. */
  similarHits: { hits: number; tried: number } | null;
}

interface Percentiles {
  p50: number;
  p95: number;
}

const CONFIGS: Array<{ key: TtftConfigName; name: string; env: Record<string, string> }> = [
  { key: 'off', name: 'similar level off (default)', env: {} },
  { key: 'parallel', name: 'similar on, lookup alongside the model (parallel)', env: { RESPONSE_CACHE_SIMILAR_ENABLED: 'true', RESPONSE_CACHE_SIMILAR_LOOKUP: 'parallel' } },
  { key: 'wait', name: 'similar on, lookup before the model (wait)', env: { RESPONSE_CACHE_SIMILAR_ENABLED: 'true', RESPONSE_CACHE_SIMILAR_LOOKUP: 'wait' } },
];

const STREAM_SEND = `mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { assistantMessage { id status cache { hit } } } }`;
const FIRST_DELTA = `subscription First($id: ID!) { replyStream(messageId: $id) { seq delta } }`;
const CREATE = `mutation { createConversation(input: {}) { id } }`;

export async function runTtft(options: BenchOptions, samples: number, log: (line: string) => void): Promise<TtftRow[]> {
  const rows: TtftRow[] = [];
  for (const config of CONFIGS.filter((candidate) => options.ttftConfigs.includes(candidate.key))) {
    const stack = await startStack(options, config.env);
    try {
      log(`ttft: ${config.name}, ${samples} samples`);
      rows.push(await measure(stack, config.name, samples, config.env.RESPONSE_CACHE_SIMILAR_ENABLED === 'true'));
    } finally {
      await stack.stop();
    }
  }
  return rows;
}

async function measure(stack: Stack, name: string, samples: number, similar: boolean): Promise<TtftRow> {
  const client = new BenchClient(stack);
  const user = `ttft-${Date.now()}`;
  const ws = createClient({
    url: `${stack.parleyUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${await client.token(user)}` },
    lazy: false,
    retryAttempts: 0,
  });
  const model = new OpenAI({ apiKey: stack.modelApiKey, baseURL: stack.modelUrl, maxRetries: 0 });
  const times = { modelFirstChunk: [] as number[], parleyFirstDelta: [] as number[], modelComplete: [] as number[], parleySend: [] as number[] };
  try {
    for (let index = 0; index < samples + WARMUP; index += 1) {
      const question = `ttft ${name.length}-${index}: what is ${index} times 13?`;
      const sample = {
        modelFirstChunk: await modelFirstChunk(model, question),
        parleyFirstDelta: await parleyFirstDelta(client, ws, user, `${question} (streamed)`),
        modelComplete: await timed(() => model.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }] })),
        parleySend: await timed(() => plainSend(client, user, `${question} (plain)`)),
      };
      if (index < WARMUP) continue;
      for (const key of Object.keys(times) as Array<keyof typeof times>) times[key].push(sample[key]);
    }
    return {
      config: name,
      modelFirstChunk: percentiles(times.modelFirstChunk),
      parleyFirstDelta: percentiles(times.parleyFirstDelta),
      modelComplete: percentiles(times.modelComplete),
      parleySend: percentiles(times.parleySend),
      similarHits: similar ? await rewordedRepeats(client, user, Math.min(samples, 40)) : null,
    };
  } finally {
    await ws.dispose();
  }
}

/** Unmeasured rounds first, so both sides are measured warm (JIT, connection pools). */
const WARMUP = 30;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function modelFirstChunk(model: OpenAI, question: string): Promise<number> {
  const started = performance.now();
  const stream = await model.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }], stream: true });
  let first = 0;
  for await (const chunk of stream) if (first === 0 && chunk.choices[0]?.delta.content) first = performance.now() - started;
  return first;
}

async function newConversation(client: BenchClient, user: string): Promise<string> {
  return (await client.request<{ createConversation: { id: string } }>(user, CREATE)).createConversation.id;
}

/** From sending the mutation to the first delta on an already open socket, as a chat UI sees it. */
async function parleyFirstDelta(client: BenchClient, ws: Client, user: string, question: string): Promise<number> {
  const conversationId = await newConversation(client, user);
  const started = performance.now();
  const sent = await client.request<{ sendMessage: { assistantMessage: { id: string } } }>(user, STREAM_SEND, { input: { conversationId, content: question, stream: true } });
  const id = sent.sendMessage.assistantMessage.id;
  return new Promise((resolve, reject) => {
    let first = 0;
    ws.subscribe<{ replyStream: { seq: number; delta: string | null } }>(
      { query: FIRST_DELTA, variables: { id } },
      {
        next: (result) => {
          if (result.errors) reject(new Error(`replyStream failed: ${JSON.stringify(result.errors)}`));
          if (first === 0 && result.data?.replyStream.delta) first = performance.now() - started;
        },
        error: reject,
        complete: () => (first > 0 ? resolve(first) : reject(new Error('replyStream ended without a delta'))),
      },
    );
  });
}

async function plainSend(client: BenchClient, user: string, question: string): Promise<void> {
  const conversationId = await newConversation(client, user);
  await client.request(user, STREAM_SEND, { input: { conversationId, content: question } });
}

/** Asks questions, then rewords each the way the guard accepts, and counts SIMILAR answers. */
async function rewordedRepeats(client: BenchClient, user: string, count: number): Promise<{ hits: number; tried: number }> {
  let hits = 0;
  for (let index = 0; index < count; index += 1) {
    const question = `what is the refund policy for plan number ${index} in region ${index * 7}`;
    await plainSend(client, user, question);
    const conversationId = await newConversation(client, user);
    const reworded = await client.request<{ sendMessage: { assistantMessage: { cache: { hit: string } | null } } }>(user, STREAM_SEND, {
      input: { conversationId, content: `So, ${question.replace('the refund', 'the refund')}?` },
    });
    if (reworded.sendMessage.assistantMessage.cache?.hit === 'SIMILAR') hits += 1;
  }
  return { hits, tried: count };
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: round(at(0.5)), p95: round(at(0.95)) };
}

const round = (value: number) => Math.round(value * 10) / 10;

export function formatTtft(rows: TtftRow[]): string {
  const header = '| concurrency 1 | model 1st chunk p50 / p95 | Parley 1st delta p50 / p95 | added p50 | model reply p50 | Parley send p50 | added p50 | reworded repeats served |';
  const line = '|---|---|---|---|---|---|---|---|';
  const body = rows.map((row) => {
    const added = (a: Percentiles, b: Percentiles) => `+${round(b.p50 - a.p50)} ms`;
    const hits = row.similarHits ? `${row.similarHits.hits}/${row.similarHits.tried}` : '—';
    return `| ${row.config} | ${row.modelFirstChunk.p50} / ${row.modelFirstChunk.p95} | ${row.parleyFirstDelta.p50} / ${row.parleyFirstDelta.p95} | ${added(row.modelFirstChunk, row.parleyFirstDelta)} | ${row.modelComplete.p50} | ${row.parleySend.p50} | ${added(row.modelComplete, row.parleySend)} | ${hits} |`;
  });
  return [header, line, ...body].join('\n');
}
