import type { BenchClient } from './graphql-client';

/** Aliased createConversation fields per request: fast to seed, and small enough for alias limits. */
const CREATE_BATCH = 10;
const CONCURRENCY = 8;

export interface OwnedConversation {
  userId: string;
  id: string;
}

/** Runs `tasks` with at most `limit` in flight; results keep the tasks' order. */
export async function inParallel<T>(tasks: Array<() => Promise<T>>, limit = CONCURRENCY): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

function createMutation(count: number): string {
  const fields = Array.from({ length: count }, (_, i) => `c${i}: createConversation(input: { title: "bench" }) { id }`);
  return `mutation SeedConversations { ${fields.join(' ')} }`;
}

async function createBatch(client: BenchClient, userId: string, count: number): Promise<OwnedConversation[]> {
  const data = await client.request<Record<string, { id: string }>>(userId, createMutation(count));
  return Object.values(data).map(({ id }) => ({ userId, id }));
}

/** Reorders so consecutive conversations belong to different users, as concurrent traffic would. */
function interleaveOwners(pool: OwnedConversation[]): OwnedConversation[] {
  const byUser = new Map<string, OwnedConversation[]>();
  for (const conversation of pool) {
    const list = byUser.get(conversation.userId);
    if (list) list.push(conversation);
    else byUser.set(conversation.userId, [conversation]);
  }
  const lists = [...byUser.values()];
  const longest = Math.max(0, ...lists.map((list) => list.length));
  return Array.from({ length: longest }, (_, i) => lists.flatMap((list) => (i < list.length ? [list[i]!] : []))).flat();
}

/** `perUser` conversations for each of `users`, created in aliased batches, owners interleaved. */
export async function createConversations(client: BenchClient, users: string[], perUser: number): Promise<OwnedConversation[]> {
  const tasks: Array<() => Promise<OwnedConversation[]>> = [];
  for (const userId of users) {
    for (let made = 0; made < perUser; made += CREATE_BATCH) {
      const count = Math.min(CREATE_BATCH, perUser - made);
      tasks.push(() => createBatch(client, userId, count));
    }
  }
  return interleaveOwners((await inParallel(tasks)).flat());
}

const SEND = `mutation SeedSend($input: SendMessageInput!) { sendMessage(input: $input) { assistantMessage { id } } }`;

/** Gives a conversation `turns` user/assistant exchanges, i.e. 2 × turns messages. */
export async function seedHistory(client: BenchClient, conversation: OwnedConversation, turns: number): Promise<void> {
  const send = (turn: number) => () =>
    client.request(conversation.userId, SEND, {
      input: { conversationId: conversation.id, content: `History turn ${turn}: tell me something about the number ${turn}.` },
    });
  await inParallel(Array.from({ length: turns }, (_, turn) => send(turn)));
}
