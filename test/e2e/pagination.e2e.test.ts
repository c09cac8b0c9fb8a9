import { codes, startTestApp, type TestApp } from '../helpers/test-app';
import { CREATE, MESSAGES, SEND } from '../helpers/operations';

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
interface MessagePage {
  conversation: {
    messages: { edges: Array<{ cursor: string; node: { role: string; content: string } }>; pageInfo: PageInfo };
  } | null;
}
interface ConversationPage {
  conversations: { edges: Array<{ cursor: string; node: { id: string; title: string } }>; pageInfo: PageInfo };
}
interface PageArgs {
  first?: number;
  after?: string;
  last?: number;
  before?: string;
}

const CONVERSATION_PAGE = `query Conversations($first: Int, $after: String) {
  conversations(first: $first, after: $after) {
    edges { cursor node { id title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

/** What a conversation of `sends` exchanges holds, oldest first, as [role, content]. */
const transcript = (sends: number) =>
  Array.from({ length: sends }, (_unused, index) => [
    ['USER', `q${index + 1}`],
    ['ASSISTANT', `Echo: q${index + 1}`],
  ]).flat();

describe('paging through messages and conversations', () => {
  let t: TestApp;
  let userCount = 0;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.stop());
  beforeEach(() => t.fake.reset());

  /** A fresh user per test, so conversation lists never see another test's data. */
  async function newUser(): Promise<string> {
    userCount += 1;
    return t.token(`pager-${userCount}`);
  }

  async function createConversation(token: string, title = 'Paged'): Promise<string> {
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: { title } });
    return created.data!.createConversation.id;
  }

  async function send(token: string, conversationId: string, content: string): Promise<void> {
    const sent = await t.gql(token, SEND, { input: { conversationId, content } });
    expect(sent.errors).toBeUndefined();
  }

  /** A conversation holding `sends` exchanges: q1, Echo: q1, q2, Echo: q2, ... */
  async function conversationWith(token: string, sends: number): Promise<string> {
    const id = await createConversation(token);
    for (let index = 1; index <= sends; index += 1) await send(token, id, `q${index}`);
    return id;
  }

  async function messagePage(token: string, id: string, args: PageArgs) {
    const result = await t.gql<MessagePage>(token, MESSAGES, { id, ...args });
    expect(result.errors).toBeUndefined();
    const { edges, pageInfo } = result.data!.conversation!.messages;
    return { edges, pageInfo, rows: edges.map((edge) => [edge.node.role, edge.node.content]) };
  }

  async function conversationPage(token: string, args: { first?: number; after?: string }) {
    const result = await t.gql<ConversationPage>(token, CONVERSATION_PAGE, args);
    expect(result.errors).toBeUndefined();
    const { edges, pageInfo } = result.data!.conversations;
    return { pageInfo, ids: edges.map((edge) => edge.node.id) };
  }

  describe('Conversation.messages', () => {
    it('an empty conversation has no edges, no neighbours and null cursors', async () => {
      const token = await newUser();
      const id = await createConversation(token);
      for (const args of [{}, { first: 10 }, { last: 10 }]) {
        const page = await messagePage(token, id, args);
        expect(page.edges).toEqual([]);
        expect(page.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
      }
    });

    it('a page exactly as long as the history has no next page', async () => {
      const token = await newUser();
      const id = await conversationWith(token, 2);
      const page = await messagePage(token, id, { first: 4 });
      expect(page.rows).toEqual(transcript(2));
      expect(page.pageInfo).toEqual({
        hasNextPage: false,
        hasPreviousPage: false,
        startCursor: page.edges[0]!.cursor,
        endCursor: page.edges[3]!.cursor,
      });
    });

    it('paging forward with after returns every message once, oldest first', async () => {
      const token = await newUser();
      const id = await conversationWith(token, 5);
      const seen: string[][] = [];
      let page = await messagePage(token, id, { first: 3 });
      seen.push(...page.rows);
      let pages = 1;
      while (page.pageInfo.hasNextPage) {
        page = await messagePage(token, id, { first: 3, after: page.pageInfo.endCursor! });
        expect(page.pageInfo.hasPreviousPage).toBe(true);
        seen.push(...page.rows);
        pages += 1;
      }
      expect(seen).toEqual(transcript(5));
      expect(pages).toBe(4);
    });

    it('last: N gives the newest N, oldest of them first, and says older ones exist', async () => {
      const token = await newUser();
      const id = await conversationWith(token, 3);
      const page = await messagePage(token, id, { last: 3 });
      expect(page.rows).toEqual(transcript(3).slice(-3));
      expect(page.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    });

    it('paging backward with before reaches the first message without gaps', async () => {
      const token = await newUser();
      const id = await conversationWith(token, 5);
      let page = await messagePage(token, id, { last: 4 });
      const pages = [page.rows];
      while (page.pageInfo.hasPreviousPage) {
        page = await messagePage(token, id, { last: 4, before: page.pageInfo.startCursor! });
        expect(page.pageInfo.hasNextPage).toBe(true);
        pages.unshift(page.rows);
      }
      expect(pages.map((rows) => rows.length)).toEqual([2, 4, 4]);
      expect(pages.flat()).toEqual(transcript(5));
    });

    it('cursors work in either direction: back one page and forward again returns the same page', async () => {
      const token = await newUser();
      const id = await conversationWith(token, 3);
      const newest = await messagePage(token, id, { last: 2 });
      const older = await messagePage(token, id, { last: 2, before: newest.pageInfo.startCursor! });
      expect(older.rows).toEqual(transcript(3).slice(2, 4));
      const forwardAgain = await messagePage(token, id, { first: 2, after: older.pageInfo.endCursor! });
      expect(forwardAgain.rows).toEqual(newest.rows);
      expect(forwardAgain.edges.map((edge) => edge.cursor)).toEqual(newest.edges.map((edge) => edge.cursor));
    });

    it('pages 50 messages when no size is given', async () => {
      const token = await newUser();
      const id = await conversationWith(token, 26);
      const page = await messagePage(token, id, {});
      expect(page.rows).toEqual(transcript(26).slice(0, 50));
      expect(page.pageInfo.hasNextPage).toBe(true);
      const rest = await messagePage(token, id, { after: page.pageInfo.endCursor! });
      expect(rest.rows).toEqual(transcript(26).slice(50));
    });

    describe('refuses bad page arguments with BAD_USER_INPUT', () => {
      let token: string;
      let id: string;
      let messageCursor: string;
      let conversationCursor: string;

      beforeAll(async () => {
        token = await newUser();
        id = await conversationWith(token, 1);
        messageCursor = (await messagePage(token, id, { first: 1 })).edges[0]!.cursor;
        conversationCursor = (await conversationPage(token, { first: 1 })).pageInfo.endCursor!;
      });

      const refused = async (args: Record<string, unknown>) => {
        const result = await t.gql<MessagePage>(token, MESSAGES, { id, ...args });
        expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      };

      it.each([
        ['garbage', () => 'not-a-cursor'],
        ['a conversation cursor', () => conversationCursor],
        ['a truncated cursor', () => messageCursor.slice(0, -1)],
        ['a cursor with a character changed', () => `x${messageCursor.slice(1)}`],
        ['a cursor with base64 padding added', () => `${messageCursor}==`],
      ])('%s as after or before', async (_name, cursor) => {
        await refused({ first: 1, after: cursor() });
        await refused({ last: 1, before: cursor() });
      });

      it('a page size above 200 or below 0', async () => {
        await refused({ first: 201 });
        await refused({ last: -1 });
        const largest = await messagePage(token, id, { first: 200 });
        expect(largest.rows).toEqual(transcript(1));
      });

      it('first and last together', async () => {
        await refused({ first: 1, last: 1 });
      });
    });
  });

  describe('Query.conversations', () => {
    it('lists newest activity first, and a new message moves a conversation to the top', async () => {
      const token = await newUser();
      const oldest = await createConversation(token, 'oldest');
      const middle = await createConversation(token, 'middle');
      const newest = await createConversation(token, 'newest');
      expect((await conversationPage(token, {})).ids).toEqual([newest, middle, oldest]);

      await send(token, oldest, 'wake up');
      expect((await conversationPage(token, {})).ids).toEqual([oldest, newest, middle]);
    });

    it('paging with after never repeats or skips a conversation', async () => {
      const token = await newUser();
      const ids: string[] = [];
      for (let index = 0; index < 7; index += 1) ids.push(await createConversation(token, `c${index}`));
      await send(token, ids[2]!, 'bump');
      await send(token, ids[5]!, 'bump');
      const everything = (await conversationPage(token, { first: 50 })).ids;
      expect(everything.slice(0, 2)).toEqual([ids[5], ids[2]]);

      const paged: string[] = [];
      let page = await conversationPage(token, { first: 2 });
      paged.push(...page.ids);
      while (page.pageInfo.hasNextPage) {
        page = await conversationPage(token, { first: 2, after: page.pageInfo.endCursor! });
        expect(page.pageInfo.hasPreviousPage).toBe(true);
        paged.push(...page.ids);
      }
      expect(paged).toEqual(everything);
      expect(new Set(paged).size).toBe(ids.length);
      expect([...paged].sort()).toEqual([...ids].sort());
    });

    it('refuses a message cursor, a garbage cursor and an oversized page with BAD_USER_INPUT', async () => {
      const token = await newUser();
      const id = await conversationWith(token, 1);
      const messageCursor = (await messagePage(token, id, { first: 1 })).edges[0]!.cursor;
      for (const args of [{ first: 1, after: messageCursor }, { first: 1, after: 'garbage' }, { first: 201 }]) {
        expect(codes(await t.gql(token, CONVERSATION_PAGE, args))).toEqual(['BAD_USER_INPUT']);
      }
    });
  });
});
