import { BadUserInputError, ErrorCode } from '../../src/errors';
import {
  decodeConversationCursor,
  decodeMessageCursor,
  encodeConversationCursor,
  encodeMessageCursor,
} from '../../src/services/cursor';

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

function rejection(decode: () => unknown): unknown {
  try {
    decode();
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected the cursor to be rejected');
}

describe('message cursors', () => {
  it.each([0, 1, 42, 999_999_999_999_999])('round-trips seq %d', (seq) => {
    expect(decodeMessageCursor(encodeMessageCursor(seq))).toBe(seq);
  });

  it('gives different positions different cursors', () => {
    expect(encodeMessageCursor(1)).not.toBe(encodeMessageCursor(2));
  });

  it('only uses characters that need no escaping in a URL or JSON', () => {
    expect(encodeMessageCursor(123_456)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['an empty string', ''],
    ['garbage text', 'not a cursor!'],
    ['a seq without the message prefix', base64url('7')],
    ['an empty seq', base64url('m:')],
    ['a non-numeric seq', base64url('m:abc')],
    ['a negative seq', base64url('m:-1')],
    ['a fractional seq', base64url('m:1.5')],
    ['extra parts', base64url('m:1:2')],
    ['a seq longer than 15 digits', base64url(`m:${'9'.repeat(16)}`)],
    ['standard base64 padding', `${base64url('m:12')}==`],
    ['the standard base64 alphabet', Buffer.from('m:?').toString('base64')],
    ['a truncated cursor', encodeMessageCursor(12_345).slice(0, -1)],
    ['a cursor with a character appended', `${encodeMessageCursor(1)}A`],
    ['an over-long input', 'A'.repeat(400)],
  ])('rejects %s as BAD_USER_INPUT', (_name, cursor) => {
    const error = rejection(() => decodeMessageCursor(cursor));
    expect(error).toBeInstanceOf(BadUserInputError);
    expect(error).toMatchObject({ code: ErrorCode.BadUserInput, details: { argument: 'cursor' } });
  });

  it('rejects a conversation cursor', () => {
    const conversationCursor = encodeConversationCursor(new Date(), '0123456789abcdef01234567');
    expect(() => decodeMessageCursor(conversationCursor)).toThrow(BadUserInputError);
  });
});

describe('conversation cursors', () => {
  const id = '65a1b2c3d4e5f60718293a4b';

  it('round-trips the activity time to the millisecond and the id', () => {
    const lastMessageAt = new Date('2026-03-04T05:06:07.089Z');
    expect(decodeConversationCursor(encodeConversationCursor(lastMessageAt, id))).toEqual({ lastMessageAt, id });
  });

  it('round-trips the epoch itself', () => {
    const decoded = decodeConversationCursor(encodeConversationCursor(new Date(0), id));
    expect(decoded.lastMessageAt.getTime()).toBe(0);
  });

  it.each([
    ['a message cursor', encodeMessageCursor(3)],
    ['garbage text', 'zzz$$$'],
    ['a missing id', base64url('c:1700000000000')],
    ['an id that is not 24 lowercase hex', base64url('c:1700000000000:65A1B2C3D4E5F60718293A4B')],
    ['a short id', base64url('c:1700000000000:65a1b2c3')],
    ['a non-numeric time', base64url(`c:yesterday:${id}`)],
    ['extra parts', base64url(`c:1700000000000:${id}:x`)],
    ['a tampered cursor', encodeConversationCursor(new Date(1_700_000_000_000), id).replace(/.$/, '.')],
  ])('rejects %s as BAD_USER_INPUT', (_name, cursor) => {
    expect(() => decodeConversationCursor(cursor)).toThrow(BadUserInputError);
  });
});
