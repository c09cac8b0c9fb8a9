export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency is usable (to a word saying how, instead of `ok`); rejects with why not. */
  check(): Promise<void | string>;
  /**
   * A critical dependency that fails makes the instance unready (503). A non-critical one (an
   * optional feature such as the similar-query cache) is reported but keeps it in rotation.
   * @defaultValue true
   */
  critical?: boolean;
}

/** A check's failure whose message is ours and safe to show on /readyz; any other error shows as `unavailable`. */
export class ReadinessFailure extends Error {}

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
    /** Told the real error of each failed check, for the log (it never reaches /readyz). */
    private readonly onFailure: (name: string, error: unknown) => void = () => undefined,
  ) {}

  async check(): Promise<ReadinessReport> {
    const results = await Promise.all(this.checks.map((item) => this.run(item)));
    for (const { name, up } of results) this.onResult(name, up);
    const checks = Object.fromEntries(results.map(({ name, status }) => [name, status]));
    return { ready: results.every(({ up, critical }) => up || !critical), checks };
  }

  private async run(item: ReadinessCheck): Promise<{ name: string; status: string; up: boolean; critical: boolean }> {
    const critical = item.critical ?? true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ReadinessFailure(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const status = await Promise.race([item.check(), timeout]);
      return { name: item.name, status: status ?? 'ok', up: true, critical };
    } catch (error: unknown) {
      this.onFailure(item.name, error);
      // Driver text (hosts, ports, internals) stays in the log.
      return { name: item.name, status: error instanceof ReadinessFailure ? error.message : 'unavailable', up: false, critical };
    } finally {
      clearTimeout(timer);
    }
  }
}
