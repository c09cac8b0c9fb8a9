import { testRedisCluster } from '../setup/test-services';
import { collectWs, sendInNewConversation, wsClient, joined } from '../helpers/stream-clients';
import { SEND } from '../helpers/operations';
import { codes, conversationOf, startTestApp } from '../helpers/test-app';

const cluster = testRedisCluster();

if (cluster.kind === 'skipped') {
  describe.skip(`Parley on a Redis Cluster — SKIPPED: ${cluster.reason}`, () => {
    it('sends, streams, caches and limits with REDIS_CLUSTER_NODES', () => undefined);
  });
  process.stdout.write(`[parley tests] Parley on a Redis Cluster skipped: ${cluster.reason}\n`);
} else {
  describe('Parley on a Redis Cluster (issue 13)', () => {
    it('sends, streams, answers repeats from the cache and enforces limits with REDIS_CLUSTER_NODES', async () => {
      const t = await startTestApp({
        env: {
          REDIS_CLUSTER_NODES: cluster.nodes.join(','),
          RESPONSE_CACHE_ENABLED: 'true',
          TIER_LIMITS: JSON.stringify({ free: { sendPerMinute: 4, maxConcurrentGenerations: 2 }, pro: { sendPerMinute: 100, maxConcurrentGenerations: 5 } }),
        },
      });
      try {
        const token = await t.token('cluster-user');
        const first = await t.gql<{ sendMessage: { assistantMessage: { status: string } } }>(token, SEND, { input: { conversationId: await conversationOf(t, token), content: 'Where is Lisbon?' } });
        expect(codes(first)).toEqual([]);
        const repeat = await t.gql(token, 'mutation($input: SendMessageInput!) { sendMessage(input: $input) { assistantMessage { cache { hit } } } }', { input: { conversationId: await conversationOf(t, token), content: 'Where is Lisbon?' } });
        expect(repeat.data).toEqual({ sendMessage: { assistantMessage: { cache: { hit: 'EXACT' } } } });
        const client = wsClient(t.url, token);
        try {
          const sent = await sendInNewConversation(t, token, 'Stream me a reply.', { stream: true });
          expect(sent.data!.sendMessage.assistantMessage.status).toBe('PENDING');
          const streamed = await collectWs(client, sent.data!.sendMessage.assistantMessage.id);
          const final = streamed.events.at(-1)!.message!;
          expect(final.status).toBe('COMPLETE');
          expect(joined(streamed.events)).toBe(final.content);
        } finally {
          await client.dispose();
        }
        // Three sends so far; the fourth of the minute is allowed, the fifth refused by the cluster's counter.
        expect(codes(await t.gql(token, SEND, { input: { conversationId: await conversationOf(t, token), content: 'The fourth' } }))).toEqual([]);
        const refused = await t.gql(token, SEND, { input: { conversationId: await conversationOf(t, token), content: 'One too many' } });
        expect(codes(refused)).toEqual(['RATE_LIMITED']);
        const ready = await fetch(`${t.url}/readyz`);
        expect(await ready.json()).toEqual({ ready: true, checks: { store: 'ok', redis: 'ok' } });
      } finally {
        await t.stop();
      }
    });
  });
}
