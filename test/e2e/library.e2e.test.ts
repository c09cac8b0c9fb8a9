import { sample } from '../helpers/prometheus-text';
import { SEND } from '../helpers/operations';
import { codes, conversationOf, startTestApp, type TestApp } from '../helpers/test-app';

const LIST = `query List($search: String, $archived: Boolean, $first: Int, $after: String) {
  conversations(search: $search, archived: $archived, first: $first, after: $after) { edges { node { id title archived } } pageInfo { hasNextPage endCursor } }
}`;
const ARCHIVE = 'mutation($id: ID!, $archived: Boolean!) { archiveConversation(id: $id, archived: $archived) { id archived } }';
const RATE = 'mutation($id: ID!, $rating: Rating, $comment: String) { rateMessage(messageId: $id, rating: $rating, comment: $comment) { id rating ratingComment } }';
const NODE = 'query($id: ID!) { node(id: $id) { __typename id ... on Conversation { title } ... on Message { role content } } }';

type Listed = { conversations: { edges: Array<{ node: { id: string; title: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

describe('search, archive, ratings and node (issue 11)', () => {
  let t: TestApp;
  let alice: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestApp();
    alice = await t.token('alice-library');
    const talk = async (title: string, content: string) => {
      const id = await conversationOf(t, alice, { title });
      expect((await t.gql(alice, SEND, { input: { conversationId: id, content } })).errors).toBeUndefined();
      return id;
    };
    ids.paris = await talk('Trip to Paris', 'Which museums open on Mondays?');
    ids.recipes = await talk('Weeknight recipes', 'A quick crème brûlée for four?');
    ids.garden = await talk('Garden', 'When do I plant tulips in Paris, France?');
    // Bob's conversation matches every search below; Alice must never see it.
    const bob = await t.token('bob-library');
    const bobs = await conversationOf(t, bob, { title: 'Paris museums crème tulips' });
    await t.gql(bob, SEND, { input: { conversationId: bobs, content: 'Paris museums on Mondays' } });
  });
  afterAll(async () => t.stop());

  const titles = async (variables: Record<string, unknown>, token = alice) => {
    const result = await t.gql<Listed>(token, LIST, variables);
    expect(result.errors).toBeUndefined();
    return result.data!.conversations.edges.map((edge) => edge.node.title);
  };

  it('finds by title and by message text, every word, ignoring case and accents, newest activity first', async () => {
    expect(await titles({ search: 'paris' })).toEqual(['Garden', 'Trip to Paris']);
    expect(await titles({ search: 'MUSEUMS mondays' })).toEqual(['Trip to Paris']);
    expect(await titles({ search: 'creme brulee' })).toEqual(['Weeknight recipes']);
    expect(await titles({ search: 'recipes' })).toEqual(['Weeknight recipes']);
    // All words must match: no conversation has both.
    expect(await titles({ search: 'tulips museums' })).toEqual([]);
    // Whole words only.
    expect(await titles({ search: 'muse' })).toEqual([]);
    expect(await titles({ search: '   ' })).toEqual(['Garden', 'Weeknight recipes', 'Trip to Paris']);
    expect(await titles({ search: '?!' })).toEqual([]);
  });

  it('pages search results with the usual cursors', async () => {
    const first = await t.gql<Listed>(alice, LIST, { search: 'paris', first: 1 });
    expect(first.data!.conversations.edges.map((edge) => edge.node.title)).toEqual(['Garden']);
    expect(first.data!.conversations.pageInfo.hasNextPage).toBe(true);
    expect(await titles({ search: 'paris', first: 1, after: first.data!.conversations.pageInfo.endCursor })).toEqual(['Trip to Paris']);
  });

  it('never returns another user\'s conversations, and refuses an overlong search', async () => {
    expect(await titles({ search: 'paris museums' }, await t.token('carol-library'))).toEqual([]);
    expect(codes(await t.gql(alice, LIST, { search: 'x'.repeat(201) }))).toEqual(['BAD_USER_INPUT']);
  });

  it('archived conversations leave the default list and come back', async () => {
    const archived = await t.gql<{ archiveConversation: { archived: boolean } }>(alice, ARCHIVE, { id: ids.garden, archived: true });
    expect(archived.data!.archiveConversation.archived).toBe(true);
    expect(await titles({})).toEqual(['Weeknight recipes', 'Trip to Paris']);
    expect(await titles({ archived: true })).toEqual(['Garden']);
    expect(await titles({ archived: true, search: 'tulips' })).toEqual(['Garden']);
    expect(await titles({ search: 'tulips' })).toEqual([]);
    await t.gql(alice, ARCHIVE, { id: ids.garden, archived: false });
    expect(await titles({ archived: true })).toEqual([]);
    expect(codes(await t.gql(await t.token('mallory-library'), ARCHIVE, { id: ids.garden, archived: true }))).toEqual(['NOT_FOUND']);
  });

  it('stores ratings of replies and counts them by model; null clears', async () => {
    const token = await t.token('rater');
    const id = await conversationOf(t, token);
    const sent = await t.gql<{ sendMessage: { userMessage: { id: string }; assistantMessage: { id: string } } }>(token, SEND, { input: { conversationId: id, content: 'Tell me a joke.' } });
    const replyId = sent.data!.sendMessage.assistantMessage.id;
    const rated = await t.gql<{ rateMessage: unknown }>(token, RATE, { id: replyId, rating: 'DOWN', comment: ' Not funny. ' });
    expect(rated.data!.rateMessage).toEqual({ id: replyId, rating: 'DOWN', ratingComment: 'Not funny.' });
    expect(await t.store.getMessage('rater', replyId)).toMatchObject({ rating: 'DOWN', ratingComment: 'Not funny.' });
    expect(sample(await t.metrics(), 'parley_message_ratings_total', { model: 'gpt-4o-mini', rating: 'DOWN' })).toBe(1);
    const cleared = await t.gql<{ rateMessage: unknown }>(token, RATE, { id: replyId, rating: null });
    expect(cleared.data!.rateMessage).toEqual({ id: replyId, rating: null, ratingComment: null });
    expect(codes(await t.gql(token, RATE, { id: sent.data!.sendMessage.userMessage.id, rating: 'UP' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(token, RATE, { id: replyId, rating: 'UP', comment: 'x'.repeat(2_001) }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(await t.token('stranger'), RATE, { id: replyId, rating: 'UP' }))).toEqual(['NOT_FOUND']);
    expect(await t.store.getMessage('rater', replyId)).toMatchObject({ rating: null });
  });

  it('node(id) fetches a conversation or a message of the caller\'s, and null for anyone else', async () => {
    const conversation = await t.gql<{ node: unknown }>(alice, NODE, { id: ids.paris });
    expect(conversation.data!.node).toEqual({ __typename: 'Conversation', id: ids.paris, title: 'Trip to Paris' });
    const [message] = await t.store.listMessages('alice-library', ids.paris!, { direction: 'asc', limit: 1 });
    const fetched = await t.gql<{ node: unknown }>(alice, NODE, { id: message!.id });
    expect(fetched.data!.node).toEqual({ __typename: 'Message', id: message!.id, role: 'USER', content: 'Which museums open on Mondays?' });
    expect((await t.gql<{ node: unknown }>(await t.token('bob-library'), NODE, { id: ids.paris })).data!.node).toBeNull();
    expect((await t.gql<{ node: unknown }>(alice, NODE, { id: 'nope' })).data!.node).toBeNull();
  });
});
