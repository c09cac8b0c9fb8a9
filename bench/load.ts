import autocannon from 'autocannon';

/** One measured run: what to send, how hard, for how long. */
export interface LoadSpec {
  url: string;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
  /** The body of every request, unless `nextRequest` varies it. */
  body?: string;
  /** Called for each request; its headers replace `headers`. */
  nextRequest?: () => { body: string; headers?: Record<string, string> };
  /** GraphQL responses are also checked for a top-level "errors" array. */
  graphql: boolean;
  /** Text that marks a 2xx answer as a failure all the same, e.g. a DEGRADED reply. */
  failureMarker?: string;
  /** Stop after this many requests even before `seconds` (a pool of fresh data is used up). */
  maxRequests?: number;
}

export interface LoadResult {
  requests: number;
  elapsedSeconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  non2xx: number;
  graphqlErrors: number;
  /** 2xx answers containing `failureMarker`. */
  markedFailures: number;
  timeouts: number;
  /** Socket errors other than timeouts, by code (EMFILE, ECONNRESET, ...). */
  socketErrors: Record<string, number>;
  /** The first failing response or error, shortened. */
  sampleError: string | null;
  /** True when `maxRequests` ended the run before `seconds`. */
  endedEarly: boolean;
}

const REQUEST_TIMEOUT_SECONDS = 30;
let active: autocannon.Instance | null = null;

/** Stops the run in progress, if any (Ctrl-C); its promise still resolves with what was measured. */
export function stopActiveLoad(): void {
  active?.stop();
}

export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index]!;
}

/** Runs autocannon on loopback and collects exact latency percentiles from every response. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const tally: Tally = { graphqlErrors: 0, markedFailures: 0, timeouts: 0, socketErrors: {}, sample: null };
  const request = requestTemplate(spec, tally);
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.seconds,
        timeout: REQUEST_TIMEOUT_SECONDS,
        method: 'POST',
        headers: spec.headers,
        requests: [request],
        ...(spec.body === undefined ? {} : { body: spec.body }),
        ...(spec.maxRequests === undefined ? {} : { amount: spec.maxRequests }),
      },
      (error: Error | null, result: autocannon.Result) => {
        clearTimeout(deadline);
        active = null;
        if (error) return reject(error);
        const elapsedSeconds = (performance.now() - startedAt) / 1000;
        resolve(summarise(latencies, result, tally, elapsedSeconds, spec));
      },
    );
    // `amount` overrides `duration` in autocannon; this keeps the time bound too.
    const deadline = setTimeout(() => instance.stop(), spec.seconds * 1000);
    active = instance;
    instance.on('response', (_client, _status, _bytes, responseTime) => void latencies.push(responseTime));
    instance.on('reqError', (error: unknown) => countError(error, tally));
  });
}

interface Tally {
  graphqlErrors: number;
  markedFailures: number;
  timeouts: number;
  socketErrors: Record<string, number>;
  sample: string | null;
}

function requestTemplate(spec: LoadSpec, tally: Tally): autocannon.Request {
  const request: autocannon.Request = {
    onResponse: (status, body) => {
      const failed = status < 200 || status >= 300;
      // JSON-escaped string content can never contain this unescaped, so only a real errors key matches.
      const graphqlError = !failed && spec.graphql && body.includes('"errors":[');
      const marked = !failed && !graphqlError && spec.failureMarker !== undefined && body.includes(spec.failureMarker);
      if (graphqlError) tally.graphqlErrors += 1;
      if (marked) tally.markedFailures += 1;
      if ((failed || graphqlError || marked) && tally.sample === null) tally.sample = `HTTP ${status}: ${body.slice(0, 300)}`;
    },
  };
  const next = spec.nextRequest;
  if (next) {
    request.setupRequest = (base) => {
      const varied = next();
      return { ...base, body: varied.body, headers: varied.headers ?? base.headers };
    };
  }
  return request;
}

function countError(error: unknown, tally: Tally): void {
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : null;
  const message = error instanceof Error ? error.message : String(error);
  if (code === null && message === 'request timed out') {
    tally.timeouts += 1;
    return;
  }
  const key = code ?? message;
  tally.socketErrors[key] = (tally.socketErrors[key] ?? 0) + 1;
  tally.sample ??= `socket error: ${key} ${message}`.slice(0, 300);
}

function summarise(latencies: number[], result: autocannon.Result, tally: Tally, elapsedSeconds: number, spec: LoadSpec): LoadResult {
  const sorted = Float64Array.from(latencies).sort();
  const requests = sorted.length;
  return {
    requests,
    elapsedSeconds,
    requestsPerSecond: requests / elapsedSeconds,
    latencyMs: {
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
    },
    non2xx: result.non2xx,
    graphqlErrors: tally.graphqlErrors,
    markedFailures: tally.markedFailures,
    timeouts: tally.timeouts,
    socketErrors: tally.socketErrors,
    sampleError: tally.sample,
    endedEarly: spec.maxRequests !== undefined && requests >= spec.maxRequests && elapsedSeconds < spec.seconds - 0.5,
  };
}
