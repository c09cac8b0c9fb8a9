import { EMBEDDINGS_MODES, type EmbeddingsMode } from './fake-openai-embeddings';
import { FakeOpenAiServer } from './fake-openai-server';

// Loopback unless told otherwise: in a container the fake must listen on 0.0.0.0.
const HOST = process.env.FAKE_OPENAI_HOST?.trim() || '127.0.0.1';

function readNonNegativeInt(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`${name} must be an integer between 0 and ${max}, got "${raw}"`);
  }
  return value;
}

function readEmbeddingsMode(): EmbeddingsMode {
  const raw = process.env.FAKE_OPENAI_EMBEDDINGS_MODE?.trim() || 'honour';
  const mode = EMBEDDINGS_MODES.find((known) => known === raw);
  if (!mode) throw new Error(`FAKE_OPENAI_EMBEDDINGS_MODE must be one of ${EMBEDDINGS_MODES.join(', ')}, got "${raw}"`);
  return mode;
}

async function main(): Promise<void> {
  const port = readNonNegativeInt('FAKE_OPENAI_PORT', 4010, 65535);
  const latencyMs = readNonNegativeInt('FAKE_OPENAI_LATENCY_MS', 0, 600_000);
  const server = new FakeOpenAiServer({ latencyMs, embeddingsMode: readEmbeddingsMode() });
  const url = await server.start(port, HOST);
  const controlUrl = new URL('/_control/', url).toString();
  process.stdout.write(`Fake OpenAI listening at ${url}\nControl API at ${controlUrl}\n`);

  const shutdown = (signal: NodeJS.Signals): void => {
    process.stdout.write(`Received ${signal}, stopping fake OpenAI\n`);
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Failed to stop cleanly: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Fake OpenAI failed to start: ${message}\n`);
  process.exitCode = 1;
});
