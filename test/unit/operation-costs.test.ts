import { buildSchema, parse } from 'graphql';
import { loadTypeDefs } from '../../src/graphql/schema';
import { costOf, OperationCosts, type QueryLimits } from '../../src/graphql/query-limits';

const schema = buildSchema(loadTypeDefs());
const limits: QueryLimits = { maxDepth: 10, maxAliases: 15, maxDirectives: 20, maxTokens: 2000, maxCost: 5000, pageSizeDefault: 20, pageSizeMax: 100 };

const PAGES = parse(`
  query Pages($first: Int, $last: Int, $withMessages: Boolean!, $search: String) {
    conversations(first: $first, search: $search) {
      edges { node { id title messages(last: $last) @include(if: $withMessages) { edges { node { id content } } } } }
    }
  }
`);

const SEND = parse(`
  mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) { assistantMessage { id content } usage { totalTokens } }
  }
`);

describe('OperationCosts (the query cost, priced once per document)', () => {
  it('prices every variant as costOf does, however often and in whatever order it is asked', () => {
    const costs = new OperationCosts(schema, limits);
    const variants = [
      { first: 5, last: 10, withMessages: true },
      { first: 50, last: 10, withMessages: true },
      { first: 5, last: 100, withMessages: true },
      { first: 5, last: 10, withMessages: false },
      { withMessages: true },
      { first: 5, last: 10, withMessages: true, search: 'only the search differs' },
    ];
    for (let round = 0; round < 3; round += 1) {
      for (const variables of variants) expect(costs.of(PAGES, variables, 'Pages')).toBe(costOf(schema, PAGES, limits, variables, 'Pages'));
    }
    const priced = variants.map((variables) => costs.of(PAGES, variables, 'Pages'));
    expect(new Set(priced.slice(0, 5)).size).toBe(5);
    expect(priced[5]).toBe(priced[0]);
  });

  it('gives null for variables that do not fit the operation, even once a good call priced it', () => {
    const costs = new OperationCosts(schema, limits);
    const good = { input: { conversationId: 'c1', content: 'hello' } };
    expect(costs.of(SEND, good, 'Send')).toBe(costOf(schema, SEND, limits, good, 'Send'));
    expect(costs.of(SEND, { input: { conversationId: 'c1' } }, 'Send')).toBeNull();
    expect(costs.of(SEND, {}, 'Send')).toBeNull();
    expect(costs.of(PAGES, { first: 'five', withMessages: true }, 'Pages')).toBeNull();
    expect(costs.of(SEND, good, 'NoSuchOperation')).toBe(costOf(schema, SEND, limits, good, 'NoSuchOperation'));
    expect(costs.of(SEND, good, 'Send')).toBe(costOf(schema, SEND, limits, good, 'Send'));
  });
});
