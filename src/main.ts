import { createApp, type App } from './app';
import { ConfigError, loadConfig, type Config } from './config';

/** Process entry: config → app → listen; SIGTERM/SIGINT drain and close everything. */
export async function run(config: Config, onStarted?: (url: string, app: App) => void | Promise<void>): Promise<App> {
  const app = await createApp(config);
  const url = await app.listen();
  app.log.info('parley listening', { url: `${url}/graphql`, metrics: app.metricsUrl(), env: config.env });
  await onStarted?.(url, app);
  stopOnSignals(app);
  return app;
}

export function stopOnSignals(app: App, extra: () => Promise<void> = async () => undefined): void {
  let signalled = false;
  const stop = (signal: NodeJS.Signals) => {
    if (signalled) {
      app.log.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    signalled = true;
    app.log.info('shutting down', { signal });
    app.stop().then(extra).then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error('shutdown failed', { err: error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * Every startup failure ends the same way: one clear message on stderr (one JSON line in
 * production, for log collectors), no stack, exit code 1.
 */
export function startupFailure(error: unknown, production: boolean): string {
  const reason = error instanceof ConfigError ? error.message : `Parley could not start: ${error instanceof Error ? error.message : String(error)}`;
  if (!production) return `${reason}\n`;
  return `${JSON.stringify({ level: 'error', message: 'parley could not start', reason, timestamp: new Date().toISOString() })}\n`;
}

function fail(error: unknown): never {
  process.stderr.write(startupFailure(error, process.env.NODE_ENV === 'production'));
  process.exit(1);
}

if (require.main === module) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error: unknown) {
    fail(error);
  }
  run(config).catch(fail);
}
