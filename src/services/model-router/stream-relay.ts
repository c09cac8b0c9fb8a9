import type { CompletionChunk, CompletionRequest, LlmClient } from '../../ports/llm-client';

/** A stream whose first chunk has arrived: until then a failure may still move to another upstream. */
export interface OpenedStream {
  first: IteratorResult<CompletionChunk>;
  rest: AsyncIterator<CompletionChunk>;
}

export async function openStream(client: LlmClient, request: CompletionRequest): Promise<OpenedStream> {
  const rest = client.stream(request)[Symbol.asyncIterator]();
  const first = await rest.next();
  return { first, rest };
}

/** Yields the first chunk then the rest; later failures propagate to the consumer as they are. */
export async function* relay(opened: OpenedStream): AsyncGenerator<CompletionChunk, void, undefined> {
  let next = opened.first;
  while (next.done !== true) {
    yield next.value;
    next = await opened.rest.next();
  }
}

/** Lets the upstream stream run its cleanup when the consumer stopped early; never throws. */
export async function closeStream(opened: OpenedStream): Promise<void> {
  try {
    await opened.rest.return?.();
  } catch {
    // The stream was already cancelled; its error was either delivered or is of no interest.
  }
}
