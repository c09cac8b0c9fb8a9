import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { CONTROL_PREFIX, handleControl, type FakeOpenAiControls } from './fake-openai-control';
import { embeddingsBody, type EmbeddingsMode } from './fake-openai-embeddings';
import { faultFromDirective, faultResponse, parseFaultJson, type FakeFault } from './fake-openai-faults';
import {
  bearerKey,
  invalidRequest,
  isGone,
  ok,
  pathOf,
  readJson,
  sendError,
  sendJson,
  type Parsed,
} from './fake-openai-http';
import { buildChatReply, chatCompletionBody, chatCompletionChunks, type ChatReply, type CompletionMeta } from './fake-openai-replies';
import {
  lastUserContent,
  parseChatRequest,
  parseEmbeddingRequest,
  recordBody,
  type RecordedRequest,
} from './fake-openai-requests';

export type { FakeFault } from './fake-openai-faults';
export type { EmbeddingsMode } from './fake-openai-embeddings';
export type { RecordedRequest } from './fake-openai-requests';

export interface FakeOpenAiServerOptions {
  latencyMs?: number;
  validKeys?: string[];
  /** Pause between streamed chunks. */
  chunkDelayMs?: number;
  /** Pads every reply to at least this many words (a long reply to stream). */
  replyWords?: number;
  /** What kind of server the embeddings endpoint behaves like. @defaultValue 'honour' */
  embeddingsMode?: EmbeddingsMode;
}

export interface StreamSettings {
  chunkDelayMs: number;
  replyWords: number;
  /** false: ignore stream_options.include_usage and send no usage chunk, as some servers do. */
  sendUsage: boolean;
}

const DEFAULT_MODEL = 'gpt-4o-mini';
const FAULT_HEADER = 'x-fake-fault';

/**
 * An OpenAI-compatible HTTP server with deterministic replies and injectable faults.
 * Queued faults apply to chat/embedding requests that pass auth and validation, one per request;
 * a per-request fault (header or content directive) takes precedence and leaves the queue untouched.
 */
export class FakeOpenAiServer implements FakeOpenAiControls {
  private readonly http: Server;
  private baseUrl: string | null = null;
  private latencyMs: number;
  private validKeys: Set<string> | null;
  private faults: FakeFault[] = [];
  private records: RecordedRequest[] = [];
  private completionCount = 0;
  private embeddingsMode: EmbeddingsMode;
  private stream: StreamSettings;
  private lifetime = new AbortController();

  constructor(private readonly options: FakeOpenAiServerOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.validKeys = options.validKeys ? new Set(options.validKeys) : null;
    this.embeddingsMode = options.embeddingsMode ?? 'honour';
    this.stream = { chunkDelayMs: options.chunkDelayMs ?? 0, replyWords: options.replyWords ?? 0, sendUsage: true };
    this.http = createServer((req, res) => void this.route(req, res));
  }

  /** Listens and resolves to the base URL to hand to the SDK as `baseURL`. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.baseUrl !== null) throw new Error(`FakeOpenAiServer already listening at ${this.baseUrl}`);
    this.lifetime = new AbortController();
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const address = this.http.address();
    if (address === null || typeof address === 'string') throw new Error('FakeOpenAiServer has no TCP address');
    const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.baseUrl = `http://${hostPart}:${address.port}/v1`;
    return this.baseUrl;
  }

  /** Closes the listener and destroys every open socket, hung requests included. */
  async stop(): Promise<void> {
    if (!this.http.listening) return;
    this.lifetime.abort();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closed;
    this.baseUrl = null;
  }

  get url(): string {
    if (this.baseUrl === null) throw new Error('FakeOpenAiServer is not started');
    return this.baseUrl;
  }

  get requests(): RecordedRequest[] {
    return this.records.map((record) => ({ ...record }));
  }

  get pendingFaults(): number {
    return this.faults.length;
  }

  requestCount(path?: string): number {
    return path === undefined ? this.records.length : this.records.filter((record) => record.path === path).length;
  }

  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a non-negative number, got ${ms}`);
    this.latencyMs = ms;
  }

  enqueueFaults(faults: FakeFault[]): void {
    this.faults.push(...faults);
  }

  /** How replies stream from now on: the pause between chunks and the least number of words. */
  setStream(settings: Partial<StreamSettings>): void {
    this.stream = { ...this.stream, ...settings };
  }

  setEmbeddingsMode(mode: EmbeddingsMode): void {
    this.embeddingsMode = mode;
  }

  /** null accepts any bearer key. */
  setValidKeys(keys: string[] | null): void {
    this.validKeys = keys === null ? null : new Set(keys);
  }

  reset(): void {
    this.faults = [];
    this.records = [];
    this.latencyMs = this.options.latencyMs ?? 0;
    this.embeddingsMode = this.options.embeddingsMode ?? 'honour';
    this.stream = { chunkDelayMs: this.options.chunkDelayMs ?? 0, replyWords: this.options.replyWords ?? 0, sendUsage: true };
    this.setValidKeys(this.options.validKeys ?? null);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.dispatch(req, res);
    } catch (error: unknown) {
      if (this.lifetime.signal.aborted || isGone(res)) return;
      if (res.headersSent) return void res.destroy();
      const message = error instanceof Error ? error.message : String(error);
      sendError(res, 500, { message: `Fake server failure: ${message}`, type: 'server_error', code: null });
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    if (path.startsWith(CONTROL_PREFIX)) return handleControl(req, res, path, this);
    const record = this.record(req, path);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    const method = req.method ?? 'GET';
    if (method === 'POST' && path === '/v1/chat/completions') return this.handleChat(req, res, record);
    if (method === 'POST' && path === '/v1/embeddings') return this.handleEmbeddings(req, res, record);
    if (method === 'GET' && path === '/v1/models') return this.handleModels(req, res);
    req.resume();
    sendError(res, 404, invalidRequest(`Invalid URL (${method} ${path})`));
  }

  private record(req: IncomingMessage, path: string): RecordedRequest {
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      model: null,
      messages: null,
      inputs: null,
      apiKey: bearerKey(req),
      stream: false,
      temperature: null,
      maxTokens: null,
      time: Date.now(),
      status: null,
      fault: null,
      aborted: false,
    };
    this.records.push(record);
    return record;
  }

  private async handleChat(req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    const body = await this.admit(req, res, record);
    if (body === null) return;
    const parsed = parseChatRequest(body.value);
    if (!parsed.ok) return sendError(res, 400, invalidRequest(parsed.message));
    const proceed = await this.runFaults(req, res, record, lastUserContent(parsed.value.messages));
    if (!proceed) return;
    const cutAfter = proceed === true ? null : proceed.cutAfter;
    const request = parsed.value;
    const created = Math.floor(Date.now() / 1000);
    const meta: CompletionMeta = { id: this.nextCompletionId(), created, model: request.model };
    const reply = buildChatReply(request, this.stream.replyWords);
    if (cutAfter !== null && !request.stream) return void res.destroy();
    if (!request.stream) return sendJson(res, 200, chatCompletionBody(meta, reply));
    await this.streamChat(res, record, meta, reply, request.includeUsage && this.stream.sendUsage, cutAfter);
  }

  /** Streams the reply chunk by chunk; a client that goes away before the end is recorded as `aborted`. */
  private async streamChat(res: ServerResponse, record: RecordedRequest, meta: CompletionMeta, reply: ChatReply, includeUsage: boolean, cutAfter: number | null): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.once('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    let sent = 0;
    for (const chunk of chatCompletionChunks(meta, reply, includeUsage)) {
      if (isGone(res)) return;
      if (cutAfter !== null && sent++ >= cutAfter) return void res.destroy();
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      await this.wait(this.stream.chunkDelayMs);
    }
    if (!isGone(res)) res.end('data: [DONE]\n\n');
  }

  private async handleEmbeddings(req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    const body = await this.admit(req, res, record);
    if (body === null) return;
    const parsed = parseEmbeddingRequest(body.value);
    if (!parsed.ok) return sendError(res, 400, invalidRequest(parsed.message));
    const proceed = await this.runFaults(req, res, record, parsed.value.inputs.at(-1) ?? '');
    if (proceed === true) sendJson(res, 200, embeddingsBody(parsed.value, this.embeddingsMode));
    else if (proceed) res.destroy();
  }

  private handleModels(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (!this.authorize(req, res)) return;
    const requested = this.records.map((record) => record.model).filter((model): model is string => model !== null);
    const ids = [...new Set([DEFAULT_MODEL, ...requested])];
    const data = ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake-openai' }));
    sendJson(res, 200, { object: 'list', data });
  }

  /** Reads, records and authenticates a request; null once a response has already been sent. */
  private async admit(
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
  ): Promise<{ value: unknown } | null> {
    const body = await readJson(req);
    if (!body.ok) {
      sendError(res, 400, invalidRequest(body.message));
      return null;
    }
    recordBody(record, body.value);
    return this.authorize(req, res) ? { value: body.value } : null;
  }

  private authorize(req: IncomingMessage, res: ServerResponse): boolean {
    const key = bearerKey(req);
    if (key === null) {
      const message = "You didn't provide an API key. Provide it in the Authorization header as 'Bearer YOUR_KEY'.";
      sendError(res, 401, invalidRequest(message));
      return false;
    }
    if (this.validKeys !== null && !this.validKeys.has(key)) {
      sendError(res, 401, invalidRequest(`Incorrect API key provided: ${maskKey(key)}.`, 'invalid_api_key'));
      return false;
    }
    return true;
  }

  /**
   * Applies latency and the selected fault; false when the request must not be answered normally,
   * `{ cutAfter }` when it is answered but its stream is to break after that many chunks.
   */
  private async runFaults(
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
    directiveText: string,
  ): Promise<boolean | { cutAfter: number }> {
    const selected = this.selectFault(req, directiveText);
    if (!selected.ok) {
      sendError(res, 400, invalidRequest(selected.message));
      return false;
    }
    const fault = selected.value;
    record.fault = fault?.type ?? null;
    await this.wait(this.latencyMs + (fault?.type === 'latency' ? fault.ms : 0));
    if (isGone(res)) record.aborted = true;
    if (isGone(res) || fault?.type === 'hang') return false;
    if (fault === null || fault.type === 'latency') return true;
    if (fault.type === 'cut') return { cutAfter: fault.afterChunks };
    const response = faultResponse(fault);
    sendError(res, response.status, response.error, response.headers);
    return false;
  }

  private selectFault(req: IncomingMessage, text: string): Parsed<FakeFault | null> {
    const header = req.headers[FAULT_HEADER];
    if (typeof header === 'string') return parseFaultJson(header, `${FAULT_HEADER} header`);
    const directive = faultFromDirective(text);
    return ok(directive ?? this.faults.shift() ?? null);
  }

  /** Resolves after ms, or rejects when the server stops so pending timers never outlive it. */
  private async wait(ms: number): Promise<void> {
    if (ms > 0) await delay(ms, undefined, { signal: this.lifetime.signal });
  }

  private nextCompletionId(): string {
    this.completionCount += 1;
    return `chatcmpl-fake${String(this.completionCount).padStart(8, '0')}`;
  }
}

function maskKey(key: string): string {
  return key.length <= 8 ? '*'.repeat(key.length) : `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}
