import { createHash } from 'node:crypto';

/**
 * A `systemPromptVersion` for prompts that live on each conversation: a digest of the prompt's
 * text, so conversations with the same prompt share a scope and any edit starts a new one
 * ('none' when there is no prompt). Config can mark a prompt shared by listing this key.
 */
export function systemPromptKey(systemPrompt: string | null): string {
  if (systemPrompt === null || systemPrompt === '') return 'none';
  return createHash('sha256').update(systemPrompt).digest('hex').slice(0, 16);
}
