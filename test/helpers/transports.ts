import { createNodeHttpFetch } from '../../src/adapters/openai/node-http-fetch';

/**
 * The transports OPENAI_TRANSPORT offers under the SDK, for suites that run every case over each:
 * global fetch (the SDK's own, `undefined`) and node:http. `close()` after the suite.
 */
export function upstreamTransports(): { each: Array<[string, typeof fetch | undefined]>; close: () => void } {
  const nodeHttp = createNodeHttpFetch();
  return { each: [['global fetch', undefined], ['node:http', nodeHttp.fetch]], close: nodeHttp.close };
}
