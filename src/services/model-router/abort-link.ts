import { LlmError } from '../../errors/llm-error';

export function abortedError(): LlmError {
  return new LlmError('aborted', 'model request was aborted');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}

/**
 * The signal of one upstream attempt: aborted by the breaker's timeout or by the caller.
 * `dispose()` must run once the attempt's work is over so the caller's signal holds no listener.
 */
export class AttemptSignal {
  private readonly controller = new AbortController();
  private readonly unlink: () => void;

  constructor(caller: AbortSignal | undefined) {
    if (caller === undefined) {
      this.unlink = () => undefined;
      return;
    }
    const follow = (): void => this.controller.abort();
    if (caller.aborted) follow();
    caller.addEventListener('abort', follow, { once: true });
    this.unlink = () => caller.removeEventListener('abort', follow);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(): void {
    this.controller.abort();
  }

  dispose(): void {
    this.unlink();
  }
}

/** Resolves after `ms`, or rejects with an 'aborted' LlmError as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
