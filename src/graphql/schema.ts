import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The schema-first contract: every schema/*.graphql file, read once at boot. */
export function loadTypeDefs(directory = join(__dirname, '..', '..', 'schema')): string {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(directory, file), 'utf8'))
    .join('\n');
}
