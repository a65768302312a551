/**
 * Load a strategy file (TypeScript, at run time through tsx) and check it before it runs.
 *
 * The determinism lint: a strategy must get time and chance from its context, never from the
 * machine, or a backtest and a live session stop being the same computation. This is a static
 * check of the source (it refuses the file and names the line), not a sandbox.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StrategyDefinition } from '../engine/strategy.ts';

export class StrategyLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategyLoadError';
  }
}

export interface LoadedStrategy {
  readonly definition: StrategyDefinition;
  readonly path: string;
  /** sha256 of the source: recorded with every session so a re-run knows whether the code changed. */
  readonly sourceHash: string;
}

const BANNED: readonly { readonly re: RegExp; readonly use: string }[] = [
  { re: /\bDate\.now\s*\(/, use: 'ctx.now()' },
  { re: /\bnew\s+Date\s*\(\s*\)/, use: 'new Date(ctx.now())' },
  { re: /\bMath\.random\s*\(/, use: 'ctx.random()' },
  { re: /\bperformance\.now\s*\(/, use: 'ctx.now()' },
  { re: /\bprocess\.hrtime\b/, use: 'ctx.now()' },
  { re: /\bcrypto\.(getRandomValues|randomUUID|randomBytes|randomInt)\b/, use: 'ctx.random()' },
  { re: /\bset(Timeout|Interval|Immediate)\s*\(/, use: 'onBar / onQuote callbacks (timers fire differently in every mode)' },
];

/** Lines (1-based) where the source reaches a wall clock or randomness directly. */
export function lintStrategySource(source: string): { line: number; text: string; use: string }[] {
  const found: { line: number; text: string; use: string }[] = [];
  const lines = source.split('\n');
  let inBlock = false;
  lines.forEach((raw, idx) => {
    let line = raw;
    if (inBlock) {
      const end = line.indexOf('*/');
      if (end < 0) return;
      line = line.slice(end + 2);
      inBlock = false;
    }
    line = line.replace(/\/\*.*?\*\//g, '');
    const open = line.indexOf('/*');
    if (open >= 0) { inBlock = true; line = line.slice(0, open); }
    line = line.replace(/\/\/.*$/, '');
    for (const b of BANNED) if (b.re.test(line)) found.push({ line: idx + 1, text: raw.trim(), use: b.use });
  });
  return found;
}

export async function loadStrategy(file: string, cwd = process.cwd()): Promise<LoadedStrategy> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new StrategyLoadError(`strategy file ${file} does not exist (shipped examples are in strategies/)`);
  const source = readFileSync(path, 'utf8');
  const problems = lintStrategySource(source);
  if (problems.length > 0) {
    const list = problems.map((p) => `  ${file}:${p.line}: ${p.text}\n    use ${p.use} instead`).join('\n');
    throw new StrategyLoadError(`strategy ${file} reaches the wall clock or randomness directly, which breaks backtest/live parity:\n${list}`);
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (err) {
    throw new StrategyLoadError(`strategy ${file} failed to load: ${(err as Error).message}`);
  }
  const def = mod.default;
  if (!isDefinition(def)) {
    throw new StrategyLoadError(`strategy ${file} must \`export default defineStrategy({ name, params, create })\` (see strategies/sma-cross.ts)`);
  }
  return { definition: def, path, sourceHash: createHash('sha256').update(source).digest('hex') };
}

function isDefinition(x: unknown): x is StrategyDefinition {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Record<string, unknown>;
  return typeof d.name === 'string' && typeof d.create === 'function' && typeof d.params === 'object' && d.params !== null
    && typeof (d.params as { safeParse?: unknown }).safeParse === 'function';
}

/**
 * Parse `k=v` pairs (strings from the command line or numbers from the config) against the
 * strategy's schema. Numbers and booleans are recognised; an unknown key lists the known ones.
 */
export function parseParams(def: StrategyDefinition, given: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const shape = (def.params as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  const known = Object.keys(shape);
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) {
    if (!known.includes(k)) {
      throw new StrategyLoadError(`strategy ${def.name} has no parameter "${k}"; it takes: ${known.join(', ') || '(none)'}`);
    }
    input[k] = typeof v === 'string' ? coerce(v) : v;
  }
  const r = def.params.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
    throw new StrategyLoadError(`bad parameters for ${def.name}: ${msg}`);
  }
  return r.data as Record<string, unknown>;
}

function coerce(v: string): unknown {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return v;
}

/** `--param fast=5` values, each split at the first '='. */
export function parseParamFlags(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const i = f.indexOf('=');
    if (i <= 0) throw new StrategyLoadError(`--param takes key=value, got "${f}"`);
    out[f.slice(0, i)] = f.slice(i + 1);
  }
  return out;
}
