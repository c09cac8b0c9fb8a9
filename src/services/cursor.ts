import { BadUserInputError } from '../errors';

/**
 * Opaque keyset cursors. The format is private to Parley; clients only hand them back.
 * Anything that does not decode exactly is BAD_USER_INPUT, never a crash or a silent reset.
 */
const PREFIX = { message: 'm', conversation: 'c' } as const;

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

function decode(cursor: string, prefix: string): string[] {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const parts = text.split(':');
  if (parts[0] !== prefix || encode(text) !== cursor) throw new BadUserInputError('Malformed cursor', { argument: 'cursor' });
  return parts.slice(1);
}

export function encodeMessageCursor(seq: number): string {
  return encode(`${PREFIX.message}:${seq}`);
}

export function decodeMessageCursor(cursor: string): number {
  const [seq, ...rest] = decode(cursor, PREFIX.message);
  if (rest.length > 0 || !seq || !/^\d{1,15}$/.test(seq)) throw new BadUserInputError('Malformed cursor', { argument: 'cursor' });
  return Number(seq);
}

export function encodeConversationCursor(lastMessageAt: Date, id: string): string {
  return encode(`${PREFIX.conversation}:${lastMessageAt.getTime()}:${id}`);
}

export function decodeConversationCursor(cursor: string): { lastMessageAt: Date; id: string } {
  const [time, id, ...rest] = decode(cursor, PREFIX.conversation);
  if (rest.length > 0 || !time || !/^\d{1,15}$/.test(time) || !id || !/^[0-9a-f]{24}$/.test(id)) {
    throw new BadUserInputError('Malformed cursor', { argument: 'cursor' });
  }
  return { lastMessageAt: new Date(Number(time)), id };
}
