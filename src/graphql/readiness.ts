export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'ok' | string>;
}

/** Runs every dependency check at once, each bounded by the timeout. */
export class ReadinessProbe {
  constructor(
    private readonly checks: ReadinessCheck[],
    private readonly timeoutMs = 2_000,
    private readonly onResult: (name: string, up: boolean) => void = () => undefined,
  ) {}

  async check(): Promise<ReadinessReport> {
    const results = await Promise.all(this.checks.map((item) => this.run(item)));
    for (const [name, status] of results) this.onResult(name, status === 'ok');
    const checks = Object.fromEntries(results);
    return { ready: results.every(([, status]) => status === 'ok'), checks };
  }

  private async run(item: ReadinessCheck): Promise<[string, string]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([item.check(), timeout]);
      return [item.name, 'ok'];
    } catch (error: unknown) {
      return [item.name, error instanceof Error ? error.message : 'failed'];
    } finally {
      clearTimeout(timer);
    }
  }
}
