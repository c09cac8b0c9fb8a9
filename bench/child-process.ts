import { spawn, type ChildProcess } from 'node:child_process';

const KEEP_OUTPUT_CHARS = 8_000;
const STOP_GRACE_MS = 5_000;

/** An entry point (TypeScript through tsx, or built JavaScript) running in its own node process (its own core, as in production). */
export class ChildHandle {
  private readonly child: ChildProcess;
  private output = '';
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    cwd: string,
    nodeArgs: readonly string[] = [],
  ) {
    // `node --import tsx` rather than the tsx CLI, so there is no wrapper process between us and it.
    this.child = spawn(process.execPath, script.endsWith('.js') ? [...nodeArgs, script] : [...nodeArgs, '--import', 'tsx', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.once('error', (error) => this.remember(`spawn failed: ${error.message}\n`));
    this.child.stdout?.on('data', (chunk: Buffer) => this.remember(chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => this.remember(chunk.toString()));
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The tail of everything it printed, for error messages. */
  get recentOutput(): string {
    return this.output;
  }

  /** Resolves with the first match of `pattern` in its output; rejects if it exits or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.output);
        if (match) finish(() => resolve(match));
      };
      const fail = (reason: string) => finish(() => reject(new Error(`${this.name} ${reason}:\n${this.output}`)));
      const timer = setTimeout(() => fail(`printed nothing matching ${pattern} in ${timeoutMs} ms`), timeoutMs);
      const onExit = () => fail('exited during startup');
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        this.child.off('exit', onExit);
        settle();
      };
      this.child.stdout?.on('data', check);
      this.child.once('exit', onExit);
      check();
      if (!this.running) onExit();
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited within the grace period. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Synchronous last resort, for process exit paths where nothing can be awaited. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  private remember(text: string): void {
    this.output = (this.output + text).slice(-KEEP_OUTPUT_CHARS);
  }
}
