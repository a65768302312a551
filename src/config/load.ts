/** Read, validate and merge the config: defaults < file < CLI flags. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_CONFIG_FILE = 'parity.config.json';

/** Turn zod's issues into lines a person can act on: where, what is wrong, what is allowed. */
export function explainIssues(issues: readonly z.core.$ZodIssue[], source: string): string {
  const lines = issues.map((i) => {
    const where = i.path.length === 0 ? 'top level' : i.path.join('.');
    if (i.code === 'unrecognized_keys') {
      return `${where}: unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `${where}: ${i.message}`;
  });
  return `${source} is not valid:\n  ${lines.join('\n  ')}`;
}

export function allowedKeysHint(): string {
  return `allowed top-level keys: ${Object.keys(ConfigSchema.shape).join(', ')}`;
}

/** Load the config file (if any) and parse it; `overrides` (from CLI flags) win over the file. */
export function loadConfig(file: string | undefined, overrides: DeepPartial<Config> = {}, cwd = process.cwd()): { config: Config; source: string } {
  let raw: unknown = {};
  let source = 'defaults';
  const path = file !== undefined ? resolve(cwd, file) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (file !== undefined && !existsSync(path)) throw new ConfigError(`config file ${file} does not exist`);
  if (existsSync(path)) {
    source = path;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const merged = deepMerge(raw, overrides);
  const r = ConfigSchema.safeParse(merged);
  if (!r.success) {
    const unknownTop = r.error.issues.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0);
    throw new ConfigError(explainIssues(r.error.issues, source) + (unknownTop ? `\n  (${allowedKeysHint()})` : ''));
  }
  return { config: r.data, source };
}

export type DeepPartial<T> = T extends readonly (infer U)[] ? readonly U[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = k in out ? deepMerge(out[k], v) : v;
  }
  return out;
}
