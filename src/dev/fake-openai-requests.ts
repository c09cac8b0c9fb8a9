import { fail, isRecord, ok, type Parsed } from './fake-openai-http';
import type { FakeFault } from './fake-openai-faults';

export interface ChatMessage {
  role: string;
  /** Text of the message; content-part arrays are flattened to their text parts. */
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | null;
}

export interface EmbeddingRequest {
  model: string;
  inputs: string[];
  dimensions: number;
  encoding: 'float' | 'base64';
}

export interface RecordedRequest {
  method: string;
  path: string;
  model: string | null;
  messages: ChatMessage[] | null;
  inputs: string[] | null;
  apiKey: string | null;
  stream: boolean;
  /** The sampling settings sent, as given (null: not sent). */
  temperature: number | null;
  /** max_completion_tokens, or else max_tokens, as given (null: not sent). */
  maxTokens: number | null;
  /** Epoch milliseconds at which the request arrived. */
  time: number;
  /** HTTP status sent back; null while unanswered, and forever for hung or abandoned requests. */
  status: number | null;
  fault: FakeFault['type'] | null;
  /** The client closed the connection before the answer was complete (mid-stream, or while it waited). */
  aborted: boolean;
}

const DEFAULT_DIMENSIONS = 256;
const MAX_DIMENSIONS = 4096;

function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (content === null) return '';
  if (!Array.isArray(content)) return null;
  const texts = content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''));
  return texts.join('');
}

function parseMessage(value: unknown, index: number): Parsed<ChatMessage> {
  if (!isRecord(value)) return fail(`messages[${index}] must be an object with "role" and "content"`);
  if (typeof value.role !== 'string' || value.role === '') {
    return fail(`messages[${index}].role must be a non-empty string`);
  }
  const content = contentText(value.content);
  if (content === null) return fail(`messages[${index}].content must be a string or an array of content parts`);
  return ok({ role: value.role, content });
}

function parseMessages(value: unknown): Parsed<ChatMessage[]> {
  if (!Array.isArray(value) || value.length === 0) return fail('"messages" must be a non-empty array');
  const messages: ChatMessage[] = [];
  for (const [index, item] of value.entries()) {
    const parsed = parseMessage(item, index);
    if (!parsed.ok) return parsed;
    messages.push(parsed.value);
  }
  return ok(messages);
}

function optionalPositiveInt(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): Parsed<number | null> {
  if (value === undefined || value === null) return ok(null);
  if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= max) return ok(value);
  return fail(`"${name}" must be a positive integer no greater than ${max}`);
}

function parseModel(body: Record<string, unknown>): Parsed<string> {
  if (typeof body.model === 'string' && body.model !== '') return ok(body.model);
  return fail('"model" must be a non-empty string');
}

export function parseChatRequest(body: unknown): Parsed<ChatRequest> {
  if (!isRecord(body)) return fail('Request body must be a JSON object');
  const model = parseModel(body);
  if (!model.ok) return model;
  const messages = parseMessages(body.messages);
  if (!messages.ok) return messages;
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    return fail('"stream" must be a boolean');
  }
  const maxTokens = optionalPositiveInt(body.max_completion_tokens ?? body.max_tokens, 'max_tokens');
  if (!maxTokens.ok) return maxTokens;
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  return ok({
    model: model.value,
    messages: messages.value,
    stream: body.stream === true,
    includeUsage: streamOptions.include_usage === true,
    maxTokens: maxTokens.value,
  });
}

function parseInputs(value: unknown): Parsed<string[]> {
  const inputs = typeof value === 'string' ? [value] : value;
  const valid =
    Array.isArray(inputs) && inputs.length > 0 && inputs.every((item) => typeof item === 'string' && item !== '');
  return valid ? ok(inputs) : fail('"input" must be a non-empty string or a non-empty array of non-empty strings');
}

export function parseEmbeddingRequest(body: unknown): Parsed<EmbeddingRequest> {
  if (!isRecord(body)) return fail('Request body must be a JSON object');
  const model = parseModel(body);
  if (!model.ok) return model;
  const inputs = parseInputs(body.input);
  if (!inputs.ok) return inputs;
  const dimensions = optionalPositiveInt(body.dimensions, 'dimensions', MAX_DIMENSIONS);
  if (!dimensions.ok) return dimensions;
  const encoding = body.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') return fail('"encoding_format" must be "float" or "base64"');
  const size = dimensions.value ?? DEFAULT_DIMENSIONS;
  return ok({ model: model.value, inputs: inputs.value, dimensions: size, encoding });
}

function lenientMessages(value: unknown): ChatMessage[] | null {
  if (!Array.isArray(value)) return null;
  return value.map((item) => ({
    role: isRecord(item) && typeof item.role === 'string' ? item.role : '',
    content: (isRecord(item) ? contentText(item.content) : null) ?? '',
  }));
}

function lenientInputs(value: unknown): string[] | null {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : null;
}

/** Copies what can be read from a body, valid or not, so rejected requests are recorded too. */
export function recordBody(record: RecordedRequest, body: unknown): void {
  if (!isRecord(body)) return;
  record.model = typeof body.model === 'string' ? body.model : null;
  record.messages = lenientMessages(body.messages);
  record.inputs = lenientInputs(body.input);
  record.stream = body.stream === true;
  record.temperature = typeof body.temperature === 'number' ? body.temperature : null;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  record.maxTokens = typeof maxTokens === 'number' ? maxTokens : null;
}

/** The text a content directive is read from: the last user message. */
export function lastUserContent(messages: ChatMessage[]): string {
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  return lastUser?.content ?? '';
}
