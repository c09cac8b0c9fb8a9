import { SignJWT } from 'jose';
import { DEV_JWT_SECRET } from '../../src/config';
import { codes, startTestApp, type TestApp } from '../helpers/test-app';
import { CONVERSATIONS, CREATE, DELETE, MESSAGES, RENAME, SEND } from '../helpers/operations';
import { postGraphQL } from '../helpers/raw-graphql';

const ME = '{ me { id tier } }';
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface TokenShape {
  secret?: string;
  exp?: number | null;
  claims?: Record<string, unknown>;
}

/** Signs an HS256 token the way a client might receive one; `exp: null` leaves the expiry out. */
function tokenFor(userId: string, shape: TokenShape = {}): Promise<string> {
  const jwt = new SignJWT(shape.claims ?? {}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(userId).setIssuedAt();
  const exp = shape.exp === undefined ? nowSeconds() + 3600 : shape.exp;
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(shape.secret ?? DEV_JWT_SECRET));
}

interface Snapshot {
  conversation: { title: string; messageCount: number } | null;
  messages: Array<{ role: string; content: string; status: string }>;
}

describe('authentication and ownership', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  const completions = () => t.fake.requestCount('/v1/chat/completions');

  beforeAll(async () => {
    t = await startTestApp();
    alice = await t.token('alice');
    bob = await t.token('bob');
  });
  afterAll(async () => t.stop());
  beforeEach(() => t.fake.reset());

  async function aliceConversation(title = 'Private'): Promise<string> {
    const created = await t.gql<{ createConversation: { id: string } }>(alice, CREATE, { input: { title } });
    return created.data!.createConversation.id;
  }

  /** What alice's conversation looks like in the store: title, count and every message. */
  async function snapshot(id: string): Promise<Snapshot> {
    const conversation = await t.store.getConversation('alice', id);
    const messages = await t.store.listMessages('alice', id, { direction: 'asc', limit: 100 });
    return {
      conversation: conversation && { title: conversation.title, messageCount: conversation.messageCount },
      messages: messages.map(({ role, content, status }) => ({ role, content, status })),
    };
  }

  describe('without a token', () => {
    it('me is UNAUTHENTICATED', async () => {
      const result = await t.gql(null, ME);
      expect(codes(result)).toEqual(['UNAUTHENTICATED']);
      expect(result.data).toBeNull();
    });

    it('sendMessage is UNAUTHENTICATED, stores nothing and calls no model', async () => {
      const id = await aliceConversation();
      const result = await t.gql(null, SEND, { input: { conversationId: id, content: 'hello?' } });
      expect(codes(result)).toEqual(['UNAUTHENTICATED']);
      expect(await snapshot(id)).toEqual({ conversation: { title: 'Private', messageCount: 0 }, messages: [] });
      expect(completions()).toBe(0);
    });
  });

  describe.each<[string, () => Promise<string>]>([
    ['an expired token', () => tokenFor('alice', { exp: nowSeconds() - 60 })],
    ['a token signed with another secret', () => tokenFor('alice', { secret: 'someone-else-s-secret-that-is-long-enough' })],
    ['a token without an expiry', () => tokenFor('alice', { exp: null })],
    ['a token with an unknown tier', () => tokenFor('alice', { claims: { tier: 'platinum' } })],
    ['a token that is not a JWT', async () => 'definitely-not-a-jwt'],
  ])('with %s', (_name, makeToken) => {
    it('me answers HTTP 401 UNAUTHENTICATED', async () => {
      const response = await postGraphQL(t, await makeToken(), ME);
      expect(response.status).toBe(401);
      expect(response.codes).toEqual(['UNAUTHENTICATED']);
      expect(response.data).toBeUndefined();
    });

    it('sendMessage to alice\'s own conversation answers 401, stores nothing and calls no model', async () => {
      const id = await aliceConversation();
      const response = await postGraphQL(t, await makeToken(), SEND, { input: { conversationId: id, content: 'hi' } });
      expect(response.status).toBe(401);
      expect(response.codes).toEqual(['UNAUTHENTICATED']);
      expect(await snapshot(id)).toEqual({ conversation: { title: 'Private', messageCount: 0 }, messages: [] });
      expect(completions()).toBe(0);
    });
  });

  describe('me', () => {
    it('returns the subject with tier free when the token claims none', async () => {
      const result = await t.gql<{ me: { id: string; tier: string } }>(await tokenFor('dora'), ME);
      expect(result.data!.me).toEqual({ id: 'dora', tier: 'free' });
    });

    it('returns tier pro when the token claims it', async () => {
      const result = await t.gql<{ me: { id: string; tier: string } }>(await tokenFor('erin', { claims: { tier: 'pro' } }), ME);
      expect(result.data!.me).toEqual({ id: 'erin', tier: 'pro' });
    });
  });

  describe("another user's conversation", () => {
    let id: string;
    let before: Snapshot;

    beforeAll(async () => {
      id = await aliceConversation('Alice only');
      const sent = await t.gql(alice, SEND, { input: { conversationId: id, content: 'secret plans', clientMessageId: 'plan-1' } });
      expect(sent.errors).toBeUndefined();
      before = await snapshot(id);
    });

    afterEach(async () => {
      expect(await snapshot(id)).toEqual(before);
    });

    it('reads as null for bob, without an error', async () => {
      const result = await t.gql(bob, MESSAGES, { id });
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ conversation: null });
    });

    it('sendMessage from bob is NOT_FOUND and calls no model', async () => {
      const result = await t.gql(bob, SEND, { input: { conversationId: id, content: 'let me in' } });
      expect(codes(result)).toEqual(['NOT_FOUND']);
      expect(completions()).toBe(0);
    });

    it("repeating alice's clientMessageId does not hand bob her reply", async () => {
      const result = await t.gql(bob, SEND, { input: { conversationId: id, content: 'secret plans', clientMessageId: 'plan-1' } });
      expect(codes(result)).toEqual(['NOT_FOUND']);
      expect(result.data).toBeNull();
      expect(completions()).toBe(0);
    });

    it('renameConversation from bob is NOT_FOUND', async () => {
      expect(codes(await t.gql(bob, RENAME, { id, title: 'Mine now' }))).toEqual(['NOT_FOUND']);
    });

    it('deleteConversation from bob is NOT_FOUND', async () => {
      expect(codes(await t.gql(bob, DELETE, { id }))).toEqual(['NOT_FOUND']);
    });

    it("does not appear in bob's conversations, but does in alice's", async () => {
      const listed = (token: string) =>
        t.gql<{ conversations: { edges: Array<{ node: { id: string } }> } }>(token, CONVERSATIONS, { first: 200 });
      const ids = async (token: string) => (await listed(token)).data!.conversations.edges.map((edge) => edge.node.id);
      expect(await ids(bob)).not.toContain(id);
      expect(await ids(alice)).toContain(id);
    });

    it('is unchanged for alice after all of that', async () => {
      const result = await t.gql<{ conversation: { messageCount: number } | null }>(alice, MESSAGES, { id });
      expect(result.data!.conversation).toMatchObject({ messageCount: 2 });
      expect(before).toEqual({
        conversation: { title: 'Alice only', messageCount: 2 },
        messages: [
          { role: 'USER', content: 'secret plans', status: 'COMPLETE' },
          { role: 'ASSISTANT', content: 'Echo: secret plans', status: 'COMPLETE' },
        ],
      });
    });
  });
});
