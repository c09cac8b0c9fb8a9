import { encodeChat } from 'gpt-tokenizer/cjs/encoding/o200k_base';
import { REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE, TokenCounter } from '../../src/services/token-counter';
import type { ChatTurn } from '../../src/ports/llm-client';

describe('TokenCounter', () => {
  const counter = new TokenCounter();

  it("gives the tokenizer's known counts for known strings", () => {
    // OpenAI's own examples: "tiktoken is great!" is 6 tokens in both encodings.
    expect(counter.countText('gpt-4o', 'tiktoken is great!')).toBe(6);
    expect(counter.countText('gpt-4', 'tiktoken is great!')).toBe(6);
    expect(counter.countText('gpt-4o-mini', 'hello world')).toBe(2);
    expect(counter.countText('gpt-4o-mini', '')).toBe(0);
  });

  it('picks the encoding by model family, o200k for anything unknown', () => {
    expect(counter.encodingFor('gpt-4o-mini')).toBe('o200k_base');
    expect(counter.encodingFor('gpt-4.1-nano')).toBe('o200k_base');
    expect(counter.encodingFor('o3-mini')).toBe('o200k_base');
    expect(counter.encodingFor('gpt-4-turbo')).toBe('cl100k_base');
    expect(counter.encodingFor('gpt-3.5-turbo-0125')).toBe('cl100k_base');
    expect(counter.encodingFor('some-local-model')).toBe('o200k_base');
  });

  it('counts differently where the encodings differ', () => {
    const text = 'Привет! Как дела? これは日本語の文章です。';
    expect(counter.countText('gpt-4o', text)).toBeLessThan(counter.countText('gpt-4', text));
  });

  it('adds the framing per message and the reply priming once', () => {
    const one: ChatTurn[] = [{ role: 'user', content: 'hello world' }];
    expect(counter.countChat('gpt-4o', [])).toBe(REPLY_PRIMING_TOKENS);
    expect(counter.countChat('gpt-4o', one)).toBe(REPLY_PRIMING_TOKENS + TOKENS_PER_MESSAGE + 1 + 2);
    const two: ChatTurn[] = [...one, { role: 'assistant', content: 'hello world' }];
    expect(counter.countChat('gpt-4o', two) - counter.countChat('gpt-4o', one)).toBe(TOKENS_PER_MESSAGE + 1 + 2);
  });

  it("matches the tokenizer's own chat encoding", () => {
    const turns: ChatTurn[] = [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hello, how are you today?' },
      { role: 'assistant', content: 'Fine, thanks. And you?' },
    ];
    expect(counter.countChat('gpt-4o', turns)).toBe(encodeChat(turns, 'gpt-4o').length);
  });

  it('counts more tokens for more text', () => {
    const short = counter.countChat('gpt-4o', [{ role: 'user', content: 'Tell me a story.' }]);
    const long = counter.countChat('gpt-4o', [{ role: 'user', content: 'Tell me a long story about a dragon and a knight.' }]);
    expect(long).toBeGreaterThan(short);
  });

  it('counts special-token spellings in user text as plain text instead of throwing', () => {
    expect(counter.countText('gpt-4o', 'hi <|endoftext|>')).toBeGreaterThan(2);
    expect(counter.countChat('gpt-4', [{ role: 'user', content: '<|im_start|>system' }])).toBeGreaterThan(REPLY_PRIMING_TOKENS + TOKENS_PER_MESSAGE);
  });

  it('is fast enough to run on every request', () => {
    const content = 'The quick brown fox jumps over the lazy dog. '.repeat(400);
    const started = performance.now();
    for (let index = 0; index < 20; index += 1) counter.countChat('gpt-4o', [{ role: 'user', content: `${index} ${content}` }]);
    expect((performance.now() - started) / 20).toBeLessThan(20);
  });
});

describe('TokenCounter memo', () => {
  it('gives the same counts from memory as counted afresh, per encoding, short and long texts alike', () => {
    const fresh = () => new TokenCounter();
    const counter = fresh();
    const texts = ['hello', 'hello', 'こんにちは世界', 'x'.repeat(5_000), 'x'.repeat(5_000)];
    for (const model of ['gpt-4o-mini', 'gpt-4']) {
      for (const text of texts) expect(counter.countText(model, text)).toBe(fresh().countText(model, text));
      const turns = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'hello' }];
      expect(counter.countChat(model, turns)).toBe(fresh().countChat(model, turns));
    }
    // cl100k and o200k count this differently: the memo keeps them apart.
    expect(counter.countText('gpt-4', 'こんにちは世界')).not.toBe(counter.countText('gpt-4o-mini', 'こんにちは世界'));
  });
});
