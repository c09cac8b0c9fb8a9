import { BadUserInputError } from '../errors';

export interface InputLimits {
  maxMessageChars: number;
  maxTitleChars: number;
  maxSystemPromptChars: number;
  models: string[];
  defaultModel: string;
}

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
  const systemPrompt = validateSystemPrompt(input.systemPrompt, limits);
  const model = input.model ?? limits.defaultModel;
  if (!limits.models.includes(model)) {
    throw new BadUserInputError(`model must be one of: ${limits.models.join(', ')}`, { argument: 'model' });
  }
  return { title, systemPrompt, model };
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
