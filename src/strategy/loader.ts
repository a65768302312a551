/**
 * Load a strategy file (TypeScript, at run time through tsx) and check it before it runs.
 *
 * The determinism lint: a strategy must get time and chance from its context, never from the
 * machine, or a backtest and a live session stop being the same computation. This is a static
 * check of the source (it refuses the file and names the line), not a sandbox.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StrategyDefinition } from '../engine/strategy.ts';
import { isTypeScriptFile, typecheckStrategy, type TypecheckResult } from './typecheck.ts';

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
  /** The type check's verdict; null when it was skipped (--no-typecheck, a JavaScript file). */
  readonly typecheck: TypecheckResult | null;
}

export interface LoadOptions {
  /** Type-check against the strategy API before loading (default true; typecheck.ts). */
  readonly typecheck?: boolean;
  /** The type check's cache folder (default: typecheck.ts defaultCacheDir). */
  readonly cacheDir?: string;
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

export async function loadStrategy(file: string, cwd = process.cwd(), opts: LoadOptions = {}): Promise<LoadedStrategy> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new StrategyLoadError(`strategy file ${path} does not exist (shipped examples are in strategies/; \`parity new strategy <name>\` writes a template)`);
  const source = readFileSync(path, 'utf8');
  const problems = lintStrategySource(source);
  if (problems.length > 0) {
    const list = problems.map((p) => `  ${path}:${p.line}: ${p.text}\n    use ${p.use} instead`).join('\n');
    throw new StrategyLoadError(`strategy ${path} reaches the wall clock or randomness directly, which breaks backtest/live parity:\n${list}`);
  }
  const typecheck = opts.typecheck === false || !isTypeScriptFile(path) ? null : checkTypes(path, opts.cacheDir);
  resolveParityFromAnywhere();
  // Stack frames name the .ts file and line (tsx compiles with inline source maps; this makes Node use them).
  process.setSourceMapsEnabled(true);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (err) {
    throw new StrategyLoadError(`strategy ${path} failed to load: ${(err as Error).message}${loadHint(err)}`);
  }
  const def = mod.default;
  if (!isDefinition(def)) {
    throw new StrategyLoadError(`strategy ${path} must \`export default defineStrategy({ name, params, create })\` (see strategies/sma-cross.ts, or run \`parity new strategy <name>\`)`);
  }
  return { definition: def, path, sourceHash: createHash('sha256').update(source).digest('hex'), typecheck };
}

/** Type errors refuse the strategy, each with its file:line, before any of its code runs. */
function checkTypes(path: string, cacheDir: string | undefined): TypecheckResult {
  let r: TypecheckResult;
  try {
    r = typecheckStrategy(path, cacheDir !== undefined ? { cacheDir } : {});
  } catch (err) {
    throw new StrategyLoadError(`strategy ${path} could not be type-checked: ${(err as Error).message}`);
  }
  if (!r.ok) {
    // A deep import is the usual reason the API is not found: say what to import instead.
    const deep = new RegExp(`Cannot find module '${PACKAGE.name}/`);
    const hint = (p: string): string => (deep.test(p) ? `${p}\n    only '${PACKAGE.name}' is the strategy API: import from '${PACKAGE.name}' (everything a strategy may use is exported there)` : p);
    const list = r.problems.map((p) => `  ${hint(p)}`).join('\n');
    throw new StrategyLoadError(`strategy ${path} does not type-check against the strategy API (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}):\n${list}\n  fix these, or pass --no-typecheck to run it unchecked`);
  }
  return r;
}

/** What to do about the usual ways an import fails. */
function loadHint(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ERR_MODULE_NOT_FOUND') {
    return `\n  a strategy imports the strategy API from '${PACKAGE.name}' (which resolves to this installation from any folder), `
      + 'its own files by relative path with their extension (./helpers.ts), and any other package from a node_modules folder above the strategy file';
  }
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_CYCLE_MODULE') {
    return `\n  a strategy is an ES module: \`import { defineStrategy, z } from '${PACKAGE.name}'\` and \`export default defineStrategy(...)\`, not require() / module.exports`;
  }
  return '';
}

/** This installation's package name and the file its "." export points at: what `import ... from 'parity'` means. */
const PACKAGE = ((): { name: string; api: string } => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: { '.': string } };
  return { name: pkg.name, api: pathToFileURL(join(root, pkg.exports['.'])).href };
})();

let hooksRegistered = false;

/**
 * Make `import ... from 'parity'` resolve for a strategy in any folder, and load an import/export
 * strategy as an ES module whatever package.json (or none) is near it (see resolve-hooks.mjs).
 * Node consults these hooks only for modules it loads itself (the CLI under tsx); a test runner
 * with its own module graph resolves strategies its own way.
 */
function resolveParityFromAnywhere(): void {
  if (hooksRegistered) return;
  hooksRegistered = true;
  register(new URL('./resolve-hooks.mjs', import.meta.url), { data: PACKAGE });
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
