import { randomBytes } from 'node:crypto';

const processTag = randomBytes(5).toString('hex');
let counter = randomBytes(3).readUIntBE(0, 3);

/** 24 hex chars laid out like a MongoDB ObjectId, so ids look the same whichever store runs. */
export function newObjectId(now = Date.now()): string {
  counter = (counter + 1) % 0x1000000;
  const seconds = Math.floor(now / 1000).toString(16).padStart(8, '0');
  return `${seconds}${processTag}${counter.toString(16).padStart(6, '0')}`;
}
