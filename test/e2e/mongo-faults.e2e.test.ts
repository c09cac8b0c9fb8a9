import type { Connection, Model } from 'mongoose';
import { MongoChatStore } from '../../src/adapters/mongo/mongo-chat-store';
import { connectMongo } from '../../src/adapters/mongo/mongo-connection';
import type { ConversationRecord } from '../../src/ports/chat-store';
import { testMongoFaults } from '../setup/test-services';

const mongo = testMongoFaults();
const TITLES = {
  transient: 'a TransientTransactionError on the message insert: the send is retried, one exchange is stored, counters right',
  commit: 'an UnknownTransactionCommitResult on commit: the commit is retried, nothing is stored twice',
  indexes: 'every find the adapter makes uses an index (IXSCAN), never a collection scan',
};

if (mongo.kind === 'skipped') {
  // Reported, never passed: these need a real replica set that takes fail points.
  describe.skip(`MongoDB faults — SKIPPED: ${mongo.reason}`, () => {
    for (const title of Object.values(TITLES)) it(title, () => undefined);
  });
  process.stdout.write(`[parley tests] MongoDB fault tests skipped: ${mongo.reason}\n`);
} else {
  describe('MongoDB faults on a real replica set (issue 12)', () => {
    let connection: Connection;
    let store: MongoChatStore;
    const userId = 'fault-user';

    beforeAll(async () => {
      const url = new URL(mongo.uri);
      url.pathname = `/parley_faults_${process.pid}_${Date.now()}`;
      connection = await connectMongo({ uri: url.toString(), poolSize: 5 });
      store = new MongoChatStore(connection);
      await store.init();
    });
    afterEach(async () => {
      await connection.db!.admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
    });
    afterAll(async () => {
      await connection.dropDatabase();
      await connection.close();
    });

    const failOnce = (data: Record<string, unknown>) => connection.db!.admin().command({ configureFailPoint: 'failCommand', mode: { times: 1 }, data });
    const conversation = () => store.createConversation({ userId, title: 'Faults', systemPrompt: null, model: 'gpt-4o-mini' });
    const send = (conv: ConversationRecord, clientMessageId: string | null = null) =>
      store.beginExchange({ userId, conversationId: conv.id, content: 'hello', clientMessageId, model: conv.model });
    const expectOneExchange = async (conv: ConversationRecord) => {
      expect(await store.listMessages(userId, conv.id, { direction: 'asc', limit: 10 })).toHaveLength(2);
      expect(await store.getConversation(userId, conv.id)).toMatchObject({ lastMessageSeq: 2, messageCount: 1 });
    };

    it(TITLES.transient, async () => {
      const conv = await conversation();
      await failOnce({ failCommands: ['insert'], errorCode: 112, errorLabels: ['TransientTransactionError'] });
      expect((await send(conv)).kind).toBe('created');
      await expectOneExchange(conv);
    });

    it(TITLES.commit, async () => {
      const conv = await conversation();
      await failOnce({ failCommands: ['commitTransaction'], errorCode: 91, errorLabels: ['UnknownTransactionCommitResult'] });
      expect((await send(conv, 'commit-once')).kind).toBe('created');
      await expectOneExchange(conv);
      expect((await send(conv, 'commit-once')).kind).toBe('duplicate');
      await expectOneExchange(conv);
    });

    it(TITLES.indexes, async () => {
      const conv = await conversation();
      const { userMessage, assistantMessage } = await (async () => {
        const begun = await send(conv, 'indexed');
        if (begun.kind !== 'created') throw new Error('expected a new exchange');
        return begun.exchange;
      })();
      const conversations = connection.model('Conversation') as Model<unknown>;
      const messages = connection.model('Message') as Model<unknown>;
      const ledger = connection.model('UsageLedger') as Model<unknown>;
      const { Types } = await import('mongoose');
      const conversationId = new Types.ObjectId(conv.id);
      const queries: Array<[string, { explain(verbosity?: string): Promise<unknown> }]> = [
        ['getConversation', conversations.findOne({ _id: conversationId, userId })],
        ['listConversations', conversations.find({ userId, archived: false }).sort({ lastMessageAt: -1, _id: -1 }).limit(20)],
        ['listConversations (title search)', conversations.find({ userId, $text: { $search: '"faults"' } }, { _id: 1 })],
        ['listMessages (newest first)', messages.find({ userId, conversationId, active: true, seq: { $gt: 0 } }).sort({ seq: -1 }).limit(50)],
        ['listMessages (oldest first)', messages.find({ userId, conversationId, active: true }).sort({ seq: 1 }).limit(50)],
        ['findExchange', messages.findOne({ conversationId, userId, clientMessageId: 'indexed' })],
        ['findExchange (reply)', messages.findOne({ userId, conversationId, seq: userMessage.seq + 1, parentId: new Types.ObjectId(userMessage.id) })],
        ['getMessage', messages.findOne({ _id: new Types.ObjectId(assistantMessage.id), userId })],
        ['listSiblings', messages.find({ conversationId, userId, parentId: { $in: [null] } }, { _id: 1, parentId: 1, seq: 1 }).sort({ seq: 1 })],
        ['tree (branch changes)', messages.find({ conversationId }, { _id: 1, parentId: 1, seq: 1, active: 1 })],
        ['failStalePending', messages.find({ status: 'PENDING', updatedAt: { $lt: new Date() } })],
        ['message search', messages.find({ userId, $text: { $search: '"hello"' } }, { conversationId: 1 })],
        ['listUsage', ledger.find({ userId, day: { $gte: '2026-01-01', $lte: '2026-12-31' } }).sort({ day: 1 })],
      ];
      for (const [name, query] of queries) {
        const plan = JSON.stringify(await query.explain('queryPlanner'));
        expect({ name, collectionScan: plan.includes('"COLLSCAN"') }).toEqual({ name, collectionScan: false });
      }
    });
  });
}
