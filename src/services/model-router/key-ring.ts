export interface KeyLease {
  key: string;
  /** Position in the target's `apiKeys`; what events report instead of the key. */
  index: number;
}

/** Round-robin over one target's API keys; a resting key is skipped until its cooldown ends. */
export class KeyRing {
  private cursor = 0;
  private readonly restingUntil: number[];

  constructor(
    private readonly keys: readonly string[],
    private readonly now: () => number = Date.now,
  ) {
    this.restingUntil = keys.map(() => 0);
  }

  /** The next usable key after the last one handed out, leaving out `exclude`d indexes. */
  next(exclude: ReadonlySet<number> = new Set()): KeyLease | undefined {
    const now = this.now();
    for (let step = 0; step < this.keys.length; step += 1) {
      const index = (this.cursor + step) % this.keys.length;
      const key = this.keys[index];
      if (key === undefined || exclude.has(index) || this.isResting(index, now)) continue;
      this.cursor = (index + 1) % this.keys.length;
      return { key, index };
    }
    return undefined;
  }

  hasUsableKey(): boolean {
    const now = this.now();
    return this.restingUntil.some((_until, index) => !this.isResting(index, now));
  }

  /** A longer rest already running is kept. */
  rest(index: number, ms: number): void {
    const until = this.now() + ms;
    this.restingUntil[index] = Math.max(this.restingUntil[index] ?? 0, until);
  }

  private isResting(index: number, now: number): boolean {
    return (this.restingUntil[index] ?? 0) > now;
  }
}
