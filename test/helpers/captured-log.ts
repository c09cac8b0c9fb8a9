import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observability/logger';

export interface CapturedLog {
  log: Logger;
  /** Every JSON line written so far, parsed. */
  lines(): Array<Record<string, unknown>>;
  /** Everything written, as raw text (to prove something never appears). */
  text(): string;
}

export function captureLog(level = 'info'): CapturedLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const log = createLogger({ level, pretty: false, stream });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines, text };
}
