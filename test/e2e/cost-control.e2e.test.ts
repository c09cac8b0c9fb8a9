import { SEND } from '../helpers/operations';
import { conversationOf, codes, startTestApp } from '../helpers/test-app';

const USAGE = `{ usage {
  day { usedTokens remainingTokens limitTokens usedUsd remainingUsd limitUsd resetsAt }
  month { usedTokens remainingTokens limitTokens resetsAt }
} }`;

interface UsageResult {
  usage: {
    day: { usedTokens: number; remainingTokens: number | null; limitTokens: number | null; usedUsd: number; resetsAt: string };
    month: { usedTokens: number; remainingTokens: number | null; limitTokens: number | null; resetsAt: string };
  };
}
interface Sent { sendMessage: { usage: { totalTokens: number } } }

const budgetEnv = (tokensPerDay: number) => ({
  OPENAI_MAX_COMPLETION_TOKENS: '50',
  TIER_LIMITS: JSON.stringify({
    free: { sendPerMinute: 10_000, maxConcurrentGenerations: 1_000, tokensPerDay, tokensPerMonth: tokensPerDay * 10, usdPerDay: -1, usdPerMonth: -1 },
  }),
});

describe('token budgets through the API', () => {
  it('50 concurrent sends against a budget that fits about 10: settled usage never exceeds it; the rest get BUDGET_EXCEEDED', async () => {
    const t = await startTestApp({ env: budgetEnv(700) });
    try {
      const token = await t.token('racer');
      const conversations = await Promise.all(Array.from({ length: 50 }, () => conversationOf(t, token)));
      t.fake.setLatency(100);
      const results = await Promise.all(
        conversations.map((conversationId) => t.gql<Sent>(token, SEND, { input: { conversationId, content: 'hello there' } })),
      );
      const accepted = results.filter((result) => result.errors === undefined);
      const refused = results.filter((result) => result.errors !== undefined);
      expect(accepted.length).toBeGreaterThanOrEqual(5);
      expect(refused.length).toBeGreaterThan(0);
      refused.forEach((result) => expect(codes(result)).toEqual(['BUDGET_EXCEEDED']));
      const settled = accepted.reduce((sum, result) => sum + result.data!.sendMessage.usage.totalTokens, 0);
      expect(settled).toBeLessThanOrEqual(700);
      const report = await t.gql<UsageResult>(token, USAGE);
      expect(report.data!.usage.day.usedTokens).toBe(settled);
      expect(t.fake.requestCount('/v1/chat/completions')).toBe(accepted.length);
      const today = new Date().toISOString().slice(0, 10);
      const [ledger] = await t.store.listUsage('racer', today, today);
      expect(ledger).toMatchObject({ totalTokens: settled, replies: accepted.length });
    } finally {
      await t.stop();
    }
  });

  it('refuses with BUDGET_EXCEEDED and resetsAt, storing nothing and sending nothing upstream', async () => {
    const t = await startTestApp({ env: budgetEnv(40) });
    try {
      const token = await t.token('small-budget');
      const conversationId = await conversationOf(t, token);
      const refused = await t.gql(token, SEND, { input: { conversationId, content: 'this needs more than forty tokens with the completion' } });
      expect(codes(refused)).toEqual(['BUDGET_EXCEEDED']);
      const resetsAt = new Date(String(refused.errors![0]!.extensions!.resetsAt));
      const tomorrow = new Date();
      tomorrow.setUTCHours(24, 0, 0, 0);
      expect(resetsAt.toISOString()).toBe(tomorrow.toISOString());
      expect(t.fake.requestCount('/v1/chat/completions')).toBe(0);
      expect(await t.store.listMessages('small-budget', conversationId, { direction: 'asc', limit: 10 })).toEqual([]);
    } finally {
      await t.stop();
    }
  });

  it('reports used, remaining, limit and resetsAt per period in Query.usage', async () => {
    const t = await startTestApp({ env: budgetEnv(10_000) });
    try {
      const token = await t.token('reader');
      const before = await t.gql<UsageResult>(token, USAGE);
      expect(before.data!.usage.day).toMatchObject({ usedTokens: 0, remainingTokens: 10_000, limitTokens: 10_000, usedUsd: 0 });
      const sent = await t.gql<Sent>(token, SEND, { input: { conversationId: await conversationOf(t, token), content: 'hi' } });
      const spent = sent.data!.sendMessage.usage.totalTokens;
      const after = await t.gql<UsageResult>(token, USAGE);
      expect(after.data!.usage.day).toMatchObject({ usedTokens: spent, remainingTokens: 10_000 - spent });
      expect(after.data!.usage.month).toMatchObject({ usedTokens: spent, limitTokens: 100_000 });
      expect(after.data!.usage.day.usedUsd).toBeGreaterThan(0);
      expect(new Date(after.data!.usage.month.resetsAt).getUTCDate()).toBe(1);
    } finally {
      await t.stop();
    }
  });
});
