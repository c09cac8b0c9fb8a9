import { MemoryChatStore } from '../../src/adapters/memory/memory-chat-store';
import type { ChatStore } from '../../src/ports/chat-store';
import { SEND } from '../helpers/operations';
import { codes, conversationOf, startTestApp, type TestApp } from '../helpers/test-app';

/** A memory store that counts the calls of each method. */
function countingStore(): { store: ChatStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const target = new MemoryChatStore();
  const store = new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
        return value.apply(object, args);
      };
    },
  });
  return { store, calls };
}

const PREVIEWS = `query { conversations(first: 20) { edges { node { id title messages(last: 1) { edges { node { content siblings siblingIndex } } } } } } }`;

describe('a conversation list with previews (issue 11)', () => {
  let t: TestApp;
  const counting = countingStore();
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({ store: counting.store });
    token = await t.token('previewer');
    for (let index = 0; index < 12; index += 1) {
      const id = await conversationOf(t, token, { title: `Chat ${index}` });
      await t.gql(token, SEND, { input: { conversationId: id, content: `question ${index}` } });
    }
  });
  afterAll(async () => t.stop());

  it('costs one message query and one sibling query per page, not one per conversation', async () => {
    counting.calls.clear();
    const result = await t.gql<{ conversations: { edges: Array<{ node: { title: string; messages: { edges: Array<{ node: { content: string; siblingIndex: number } }> } } }> } }>(token, PREVIEWS);
    expect(result.errors).toBeUndefined();
    const edges = result.data!.conversations.edges;
    expect(edges).toHaveLength(12);
    expect(edges[0]!.node.messages.edges.map((edge) => edge.node)).toEqual([{ content: 'Echo: question 11', siblings: expect.any(Array), siblingIndex: 0 }]);
    expect(counting.calls.get('listConversations')).toBe(1);
    expect(counting.calls.get('listMessagesOfConversations')).toBe(1);
    expect(counting.calls.get('listMessages')).toBeUndefined();
    // Siblings: one query per conversation (each holds its own tree), batched within it.
    expect(counting.calls.get('listSiblings')).toBe(12);
  });

  it('pages with cursors per conversation, next to batched previews in the same query', async () => {
    const first = await t.gql<{ conversations: { edges: Array<{ node: { id: string; messages: { edges: Array<{ cursor: string; node: { content: string } }> } } }> } }>(
      token, 'query { conversations(first: 1) { edges { node { id messages(last: 1) { edges { cursor node { content } } } } } } }',
    );
    const { id, messages } = first.data!.conversations.edges[0]!.node;
    const cursor = messages.edges[0]!.cursor;
    const query = 'query($id: ID!, $before: String) { conversation(id: $id) { newest: messages(last: 1) { edges { node { content } } } older: messages(last: 1, before: $before) { edges { node { content } } } } }';
    const paged = await t.gql<{ conversation: { newest: { edges: Array<{ node: { content: string } }> }; older: { edges: Array<{ node: { content: string } }> } } }>(token, query, { id, before: cursor });
    expect(codes(paged)).toEqual([]);
    expect(paged.data!.conversation.newest.edges.map((edge) => edge.node.content)).toEqual(['Echo: question 11']);
    expect(paged.data!.conversation.older.edges.map((edge) => edge.node.content)).toEqual(['question 11']);
  });
});
