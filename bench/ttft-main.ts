/** `npm run bench:ttft`: only the concurrency-1 time-to-first-token table of `npm run bench`. */
import { readOptions } from './options';
import { formatTtft, runTtft } from './ttft';

const options = readOptions(process.env);
const log = (line: string) => process.stderr.write(`${line}\n`);
runTtft(options, options.ttftSamples || 100, log).then(
  (rows) => {
    process.stdout.write(`\nconcurrency 1, model and embeddings ${options.modelLatencyMs} ms\n\n${formatTtft(rows)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`bench:ttft failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
