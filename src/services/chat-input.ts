import { BadUserInputError } from '../errors';

export interface InputLimits {
  maxMessageChars: number;
  maxTitleChars: number;
  maxSystemPromptChars: number;
  models: string[];
  defaultModel: string;
  /** The most a conversation's maxTokens may be (OPENAI_MAX_COMPLETION_TOKENS). */
  maxCompletionTokens: number;
}

/** OpenAI's range; other providers accept it too. */
export const TEMPERATURE_RANGE = { min: 0, max: 2 } as const;

export interface SendMessageInput {
  conversationId: string;
  content: string;
  clientMessageId?: string | null;
  cachePolicy?: 'USE' | 'EXACT_ONLY' | 'BYPASS' | 'REFRESH' | null;
  stream?: boolean | null;
}

export interface CreateConversationInput {
  title?: string | null;
  systemPrompt?: string | null;
  model?: string | null;
  temperature?: number | null;
  maxTokens?: number | null;
}

/** Absent: unchanged. Null: back to the default (systemPrompt: none). */
export interface UpdateConversationInput {
  title?: string | null;
  systemPrompt?: string | null;
  model?: string | null;
  temperature?: number | null;
  maxTokens?: number | null;
}

const CLIENT_MESSAGE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const DEFAULT_TITLE = 'New conversation';

export function validateContent(content: string, limits: InputLimits): string {
  if (content.trim().length === 0) throw new BadUserInputError('content must not be empty', { argument: 'content' });
  if (content.length > limits.maxMessageChars) {
    throw new BadUserInputError(`content exceeds ${limits.maxMessageChars} characters`, { argument: 'content' });
  }
  return content;
}

export function validateClientMessageId(value: string | null | undefined): string | null {
  if (value == null) return null;
  if (!CLIENT_MESSAGE_ID.test(value)) {
    throw new BadUserInputError('clientMessageId must be 1-128 characters of A-Z a-z 0-9 _ . : -', {
      argument: 'clientMessageId',
    });
  }
  return value;
}

export function validateTitle(title: string, limits: InputLimits): string {
  const trimmed = title.trim();
  if (trimmed.length === 0) throw new BadUserInputError('title must not be empty', { argument: 'title' });
  if (trimmed.length > limits.maxTitleChars) {
    throw new BadUserInputError(`title exceeds ${limits.maxTitleChars} characters`, { argument: 'title' });
  }
  return trimmed;
}

export function validateNewConversation(input: CreateConversationInput, limits: InputLimits) {
  const title = input.title == null ? DEFAULT_TITLE : validateTitle(input.title, limits);
  return {
    title,
    titleSource: input.title == null ? ('DEFAULT' as const) : ('USER' as const),
    systemPrompt: validateSystemPrompt(input.systemPrompt, limits),
    model: validateModel(input.model ?? limits.defaultModel, limits),
    temperature: validateTemperature(input.temperature),
    maxTokens: validateMaxTokens(input.maxTokens, limits),
  };
}

/** The settings to change; every value checked before anything is written. */
export function validateConversationUpdate(input: UpdateConversationInput, limits: InputLimits) {
  const given = (key: keyof UpdateConversationInput) => input[key] !== undefined;
  if (!Object.keys(input).some((key) => given(key as keyof UpdateConversationInput))) {
    throw new BadUserInputError('Nothing to update: give at least one of title, systemPrompt, model, temperature, maxTokens');
  }
  const required = (key: 'title' | 'model') => {
    if (input[key] === null) throw new BadUserInputError(`${key} cannot be null`, { argument: key });
    return input[key] as string;
  };
  return {
    ...(given('title') ? { title: validateTitle(required('title'), limits) } : {}),
    ...(given('systemPrompt') ? { systemPrompt: validateSystemPrompt(input.systemPrompt, limits) } : {}),
    ...(given('model') ? { model: validateModel(required('model'), limits) } : {}),
    ...(given('temperature') ? { temperature: validateTemperature(input.temperature) } : {}),
    ...(given('maxTokens') ? { maxTokens: validateMaxTokens(input.maxTokens, limits) } : {}),
  };
}

export function validateModel(model: string, limits: InputLimits): string {
  if (!limits.models.includes(model)) {
    throw new BadUserInputError(`model must be one of: ${limits.models.join(', ')}`, { argument: 'model' });
  }
  return model;
}

/** Null: the provider's default. */
export function validateTemperature(value: number | null | undefined): number | null {
  if (value == null) return null;
  if (!Number.isFinite(value) || value < TEMPERATURE_RANGE.min || value > TEMPERATURE_RANGE.max) {
    throw new BadUserInputError(`temperature must be between ${TEMPERATURE_RANGE.min} and ${TEMPERATURE_RANGE.max}`, { argument: 'temperature' });
  }
  return value;
}

/** Null: the server's maximum. */
export function validateMaxTokens(value: number | null | undefined, limits: InputLimits): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 1 || value > limits.maxCompletionTokens) {
    throw new BadUserInputError(`maxTokens must be a whole number from 1 to ${limits.maxCompletionTokens}`, { argument: 'maxTokens' });
  }
  return value;
}

/** Blank means none; longer than the limit is refused. */
export function validateSystemPrompt(value: string | null | undefined, limits: InputLimits): string | null {
  const systemPrompt = value?.trim() ? value : null;
  if (systemPrompt && systemPrompt.length > limits.maxSystemPromptChars) {
    throw new BadUserInputError(`systemPrompt exceeds ${limits.maxSystemPromptChars} characters`, {
      argument: 'systemPrompt',
    });
  }
  return systemPrompt;
}
