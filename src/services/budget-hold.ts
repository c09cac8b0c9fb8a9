import type { TokenUsage } from '../ports/chat-store';
import type { BudgetService, Reservation } from './budget.service';

/** One reservation, settled or released exactly once whatever path the request takes. */
export class BudgetHold {
  private done = false;

  constructor(
    private readonly budget: BudgetService,
    private readonly reservation: Reservation,
    private readonly onClose: (kind: 'settled' | 'released') => void = () => undefined,
  ) {}

  async settle(usage: TokenUsage, model: string): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.onClose('settled');
    await this.budget.settle(this.reservation, usage, model);
  }

  async release(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.onClose('released');
    await this.budget.release(this.reservation);
  }

  /** Gives the hold back uncounted: for a send that was refused before its hold was reported. */
  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.budget.release(this.reservation);
  }
}
