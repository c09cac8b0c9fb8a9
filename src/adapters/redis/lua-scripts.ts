import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RedisClient } from './redis-connection';

interface LoadedScript {
  source: string;
  sha: string;
  numberOfKeys: number;
}

const SCRIPT_FILE = /^([a-z][a-z0-9-]*)-(\d+)\.lua$/;

/** Where the `.lua` files sit next to this module, in src and (once copied there) in dist. */
export const LUA_DIR = path.join(__dirname, 'lua');

/**
 * The `verb-N.lua` scripts of one directory, addressed by `verb`. Each runs by EVALSHA and falls
 * back to EVAL (which also caches it) when the server does not know it yet, e.g. after a restart.
 */
export class LuaScripts {
  private readonly scripts = new Map<string, LoadedScript>();

  constructor(directory: string = LUA_DIR) {
    if (!existsSync(directory)) {
      throw new Error(`Lua scripts not found in ${directory}: the build must copy src/adapters/redis/lua next to the compiled adapter`);
    }
    for (const file of readdirSync(directory)) {
      const match = SCRIPT_FILE.exec(file);
      if (!match) continue;
      const source = readFileSync(path.join(directory, file), 'utf8');
      const sha = createHash('sha1').update(source).digest('hex');
      this.scripts.set(match[1]!, { source, sha, numberOfKeys: Number(match[2]) });
    }
  }

  async run(redis: RedisClient, name: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    const script = this.get(name, keys.length);
    try {
      return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error: unknown) {
      if (!isNoScript(error)) throw error;
      return redis.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  private get(name: string, keyCount: number): LoadedScript {
    const script = this.scripts.get(name);
    if (!script) throw new Error(`Unknown Lua script "${name}"`);
    if (script.numberOfKeys !== keyCount) {
      throw new Error(`Lua script "${name}" takes ${script.numberOfKeys} keys, got ${keyCount}`);
    }
    return script;
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
