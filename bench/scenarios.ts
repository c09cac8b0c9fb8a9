import type { BenchClient } from './graphql-client';
import type { LoadSpec } from './load';
import { CONVERSATIONS, MESSAGES, SEND, TYPENAME, graphqlBody, modelBody } from './operations';
import type { ScenarioName } from './options';
import { createConversations, seedHistory, type OwnedConversation } from './seed';
import type { Stack } from './stack';

export interface ScenarioContext {
  stack: Stack;
  client: BenchClient;
  /** The best sendMessage rate measured so far at this many connections; sizes fresh-data pools. */
  observedSendRate(connections: number): number | null;
}

export interface Scenario {
  name: ScenarioName;
  label: string;
  /** sendMessage rows are shown with their latency over the direct-model baseline. */
  comparesToModel: boolean;
  /** Creates the data every run of this scenario reads; called once, before the first run. */
  setup(): Promise<void>;
  /** The load for one run; may create data that run uses up. */
  load(connections: number, seconds: number): Promise<LoadSpec>;
}

const WRITERS = 100;
const CONVERSATIONS_PER_WRITER = 10;
const CACHE_USERS = 100;
const READER = 'bench-reader';
const READER_CONVERSATIONS = 50;
const HISTORY_USER = 'bench-history';
const HISTORY_TURNS = 50;
/** Fresh conversations made per cached run: this many times the best rate seen, or a floor. */
const POOL_HEADROOM = 2;
const POOL_FLOOR_RATE = 1_000;
/** A reply Parley made up because the model call failed: answered 200, but not a success. */
const DEGRADED = '"status":"DEGRADED"';
const CACHED_CONTENT = 'What is the capital of France? Answer in one sentence.';

let sequence = 0;
const runTag = Date.now().toString(36);
/** A question no earlier request asked, with a clientMessageId a frontend would send alongside. */
function uniqueQuestion(): { content: string; clientMessageId: string } {
  sequence += 1;
  return { content: `Question ${runTag}-${sequence}: what is ${sequence} times 7?`, clientMessageId: `bench-${runTag}-${sequence}` };
}

const users = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

function sendBody(conversation: OwnedConversation, content: string, clientMessageId: string): string {
  return graphqlBody(SEND, { input: { conversationId: conversation.id, content, clientMessageId } });
}

/** Every scenario, in the order they run (reads before the sends that grow the store). */
export function createScenarios(ctx: ScenarioContext): Scenario[] {
  return [modelDirect(ctx), typename(ctx, false), typename(ctx, true), conversations(ctx), messages(ctx), sendUncached(ctx), sendCached(ctx)];
}

function modelDirect({ stack }: ScenarioContext): Scenario {
  return {
    name: 'model',
    label: 'the fake model called directly, POST /v1/chat/completions, unique content (baseline for sendMessage)',
    comparesToModel: false,
    setup: async () => undefined,
    load: async (connections, seconds) => ({
      url: `${stack.modelUrl}/chat/completions`,
      connections, seconds, graphql: false,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.modelApiKey}` },
      nextRequest: () => ({ body: modelBody(uniqueQuestion().content) }),
    }),
  };
}

function typename({ client }: ScenarioContext, authenticated: boolean): Scenario {
  return {
    name: authenticated ? 'typename' : 'typename-anon',
    label: authenticated ? '{ __typename } with a bearer token (framework + auth)' : '{ __typename } without a token (framework baseline)',
    comparesToModel: false,
    setup: async () => undefined,
    load: async (connections, seconds) => ({
      url: client.graphqlUrl, connections, seconds, graphql: true,
      headers: authenticated ? await client.authHeaders(READER) : { 'content-type': 'application/json' },
      body: graphqlBody(TYPENAME),
    }),
  };
}

function conversations({ client }: ScenarioContext): Scenario {
  return {
    name: 'conversations',
    label: `conversations(first: 20) of a user with ${READER_CONVERSATIONS} conversations`,
    comparesToModel: false,
    setup: async () => void (await createConversations(client, [READER], READER_CONVERSATIONS)),
    load: async (connections, seconds) => ({
      url: client.graphqlUrl, connections, seconds, graphql: true,
      headers: await client.authHeaders(READER),
      body: graphqlBody(CONVERSATIONS, { first: 20 }),
    }),
  };
}

function messages({ client }: ScenarioContext): Scenario {
  let conversation: OwnedConversation | undefined;
  return {
    name: 'messages',
    label: `conversation(id) { messages(last: 50) } on a conversation of ${HISTORY_TURNS * 2} messages`,
    comparesToModel: false,
    setup: async () => {
      [conversation] = await createConversations(client, [HISTORY_USER], 1);
      await seedHistory(client, conversation!, HISTORY_TURNS);
    },
    load: async (connections, seconds) => ({
      url: client.graphqlUrl, connections, seconds, graphql: true,
      headers: await client.authHeaders(HISTORY_USER),
      body: graphqlBody(MESSAGES, { id: conversation?.id, last: 50 }),
    }),
  };
}

/** Headers per owner, resolved up front so no request waits on token signing. */
async function headersByUser(client: BenchClient, pool: OwnedConversation[]): Promise<Map<string, Record<string, string>>> {
  const owners = [...new Set(pool.map((conversation) => conversation.userId))];
  return new Map(await Promise.all(owners.map(async (userId) => [userId, await client.authHeaders(userId)] as const)));
}

function sendUncached({ client }: ScenarioContext): Scenario {
  let pool: OwnedConversation[] = [];
  let headers = new Map<string, Record<string, string>>();
  return {
    name: 'send-uncached',
    label: `sendMessage, unique content and clientMessageId, over ${WRITERS * CONVERSATIONS_PER_WRITER} conversations of ${WRITERS} users`,
    comparesToModel: true,
    setup: async () => {
      pool = await createConversations(client, users('bench-writer', WRITERS), CONVERSATIONS_PER_WRITER);
      headers = await headersByUser(client, pool);
    },
    load: async (connections, seconds) => {
      let next = 0;
      return {
        url: client.graphqlUrl, connections, seconds, graphql: true, failureMarker: DEGRADED,
        headers: headers.get(pool[0]!.userId)!,
        nextRequest: () => {
          const conversation = pool[next++ % pool.length]!;
          const { content, clientMessageId } = uniqueQuestion();
          return { body: sendBody(conversation, content, clientMessageId), headers: headers.get(conversation.userId) };
        },
      };
    },
  };
}

/** The same first turn, each time in a conversation nobody has written to: what a response cache serves. */
function sendCached({ client, observedSendRate }: ScenarioContext): Scenario {
  return {
    name: 'send-cached',
    label: 'sendMessage, the same first turn in a fresh conversation each time: repeat (cache path)',
    comparesToModel: true,
    setup: async () => undefined,
    load: async (connections, seconds) => {
      const rate = Math.max(observedSendRate(connections) ?? 0, POOL_FLOOR_RATE) * POOL_HEADROOM;
      const perUser = Math.ceil((rate * seconds + connections) / CACHE_USERS);
      const pool = await createConversations(client, users('bench-cache', CACHE_USERS), perUser);
      const headers = await headersByUser(client, pool);
      let next = 0;
      return {
        url: client.graphqlUrl, connections, seconds, graphql: true, failureMarker: DEGRADED,
        headers: headers.get(pool[0]!.userId)!,
        maxRequests: pool.length,
        nextRequest: () => {
          const conversation = pool[next++ % pool.length]!;
          return { body: sendBody(conversation, CACHED_CONTENT, uniqueQuestion().clientMessageId), headers: headers.get(conversation.userId) };
        },
      };
    },
  };
}
