import { contextFingerprint, EMPTY_CONTEXT_FINGERPRINT } from '../../../src/services/response-cache/context-fingerprint';
import { systemPromptKey } from '../../../src/services/response-cache/system-prompt-key';

describe('contextFingerprint', () => {
  const turns = [
    { role: 'user' as const, content: 'Where is Lisbon?' },
    { role: 'assistant' as const, content: 'Portugal.' },
  ];

  it('is the empty fingerprint for a first turn, whatever the system prompt', () => {
    expect(contextFingerprint([])).toBe(EMPTY_CONTEXT_FINGERPRINT);
    expect(contextFingerprint([{ role: 'system', content: 'You are terse.' }])).toBe(EMPTY_CONTEXT_FINGERPRINT);
  });

  it('changes with any role, content or order change', () => {
    const base = contextFingerprint(turns);
    expect(base).not.toBe(EMPTY_CONTEXT_FINGERPRINT);
    expect(contextFingerprint([turns[0]!, { role: 'assistant', content: 'Spain.' }])).not.toBe(base);
    expect(contextFingerprint([{ ...turns[0]!, role: 'assistant' }, turns[1]!])).not.toBe(base);
    expect(contextFingerprint([turns[1]!, turns[0]!])).not.toBe(base);
    expect(contextFingerprint([{ role: 'user', content: 'Where is Lisbon?\u0000assistant' }])).not.toBe(base);
    expect(contextFingerprint(turns)).toBe(base);
  });

  it('includes the running summary, which a system turn would not carry', () => {
    const recent = [turns[1]!];
    expect(contextFingerprint(recent, 'The user asked about Lisbon.')).not.toBe(contextFingerprint(recent));
    expect(contextFingerprint(recent, 'The user asked about Porto.')).not.toBe(contextFingerprint(recent, 'The user asked about Lisbon.'));
    expect(contextFingerprint([], '')).toBe(EMPTY_CONTEXT_FINGERPRINT);
  });
});

describe('systemPromptKey', () => {
  it('is the same for the same text, different after any edit, and "none" without a prompt', () => {
    expect(systemPromptKey('You are terse.')).toBe(systemPromptKey('You are terse.'));
    expect(systemPromptKey('You are terse.')).not.toBe(systemPromptKey('You are terse!'));
    expect(systemPromptKey(null)).toBe('none');
    expect(systemPromptKey('')).toBe('none');
  });
});
