import type { BudgetService } from './budget.service';

export interface ModelInfo {
  id: string;
  /** Tokens of context Parley sends at most (CONTEXT_MAX_TOKENS): prompt, history and reply together. */
  contextWindow: number;
  /** The most a reply may have (OPENAI_MAX_COMPLETION_TOKENS); a conversation's maxTokens may lower it. */
  maxOutputTokens: number;
  /** USD per million tokens; null when no price is configured (its use counts as $0). */
  inputPerMTokUsd: number | null;
  outputPerMTokUsd: number | null;
  isDefault: boolean;
}

export interface ModelCatalogOptions {
  models: string[];
  defaultModel: string;
  maxContextTokens: number;
  maxCompletionTokens: number;
}

/** Query.models: what a model picker offers, from configuration. */
export function modelCatalog(options: ModelCatalogOptions, budget: Pick<BudgetService, 'priceOf'>): ModelInfo[] {
  return options.models.map((id) => {
    const price = budget.priceOf(id);
    return {
      id,
      contextWindow: options.maxContextTokens,
      maxOutputTokens: options.maxCompletionTokens,
      inputPerMTokUsd: price?.inputPerMTokUsd ?? null,
      outputPerMTokUsd: price?.outputPerMTokUsd ?? null,
      isDefault: id === options.defaultModel,
    };
  });
}
