import type { Logger } from '../../observability/logger';

export interface ModelPrice {
  inputPerMTokUsd: number;
  outputPerMTokUsd: number;
}

export interface PricedUsage {
  promptTokens: number;
  completionTokens: number;
}

/**
 * Model prices in USD per million tokens. A dated model id ('gpt-4o-mini-2024-07-18') is priced as
 * the longest configured id it starts with ('gpt-4o-mini'). An unpriced model costs 0 and is
 * reported once, so the token limits still hold while the table is fixed.
 */
export class PriceTable {
  private readonly warned = new Set<string>();

  constructor(
    private readonly prices: Readonly<Record<string, ModelPrice>>,
    private readonly log: Logger,
  ) {}

  /** Cost in whole micro-USD, rounded up. USD per million tokens is exactly micro-USD per token. */
  costMicroUsd(model: string, usage: PricedUsage): number {
    const price = this.priceOf(model);
    if (!price) return 0;
    const exact = usage.promptTokens * price.inputPerMTokUsd + usage.completionTokens * price.outputPerMTokUsd;
    // Rounded first so float noise (0.15 * 1000 = 150.00000000000003) does not add a micro-USD.
    return Math.ceil(Math.round(exact * 1e6) / 1e6);
  }

  /** The model's price (a dated id takes its base model's); undefined when unpriced. */
  find(model: string): ModelPrice | undefined {
    const exact = this.prices[model];
    if (exact) return exact;
    const base = Object.keys(this.prices)
      .filter((id) => model.startsWith(`${id}-`))
      .sort((left, right) => right.length - left.length)[0];
    return base ? this.prices[base] : undefined;
  }

  private priceOf(model: string): ModelPrice | undefined {
    const price = this.find(model);
    if (!price) this.warnUnpriced(model);
    return price;
  }

  private warnUnpriced(model: string): void {
    if (this.warned.has(model) || this.warned.size >= 100) return;
    this.warned.add(model);
    this.log.warn('budget: no price for model; its cost counts as 0', { model });
  }
}
