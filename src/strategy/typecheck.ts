/**
 * Type-check a strategy against the strategy API before it runs, so `side: 'long'` or a
 * `.quantity` typo is an error with file and line instead of 158 silent rejections or zero trades.
 *
 * TypeScript 7's compiler is native and has no in-process API: its `tsc` runs as a child process
 * (found through the `typescript` package this installation depends on, never PATH) on a generated
 * tsconfig that maps `parity` to the API source (src/api.ts), with noEmit and strict. tsc follows
 * the strategy's own imports, so the files it imports are checked too.
 *
 * The verdict is cached by content: the key is the tsc version, this installation, the strategy's
 * path and its sha256; the entry lists every file tsc read outside node_modules (the strategy, the
 * files it imports, the API sources) with its sha256, and holds only while every one still matches.
 * So a re-run, a sweep worker or a restart on unchanged code pays a few file hashes, not a compile.
 * Cache folder: $PARITY_CACHE_DIR, else $XDG_CACHE_HOME/parity, else ~/.cache/parity (the XDG
 * habit: it outlives reboots, unlike the temp dir, and is per user); the OS temp dir when none of
 * those can be written (a read-only home in CI). A fresh clone or CI just starts cold.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump when the generated tsconfig or the entry format changes: old verdicts stop matching. */
const CACHE_FORMAT = 1;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const API = join(ROOT, 'src/api.ts');

export interface TypecheckResult {
  readonly ok: boolean;
  /** `file:line:col: error TS2322: message` lines, absolute paths. */
  readonly problems: readonly string[];
  /** The verdict came from the cache (no compiler run). */
  readonly cached: boolean;
  /** Milliseconds spent, cache lookup included. */
  readonly ms: number;
  /** Where the verdict is kept. */
  readonly cacheFile: string;
}

export interface TypecheckOptions {
  /** Cache folder (default: see the module comment). */
  readonly cacheDir?: string;
}

/** Files TypeScript does not check here: plain JavaScript strategies run unchecked. */
export function isTypeScriptFile(path: string): boolean {
  return ['.ts', '.mts', '.cts', '.tsx'].includes(extname(path).toLowerCase());
}

/** Compiler runs in this process (a counter a test can read: a cache hit leaves it unchanged). */
let compilerRuns = 0;
export const typecheckCompilerRuns = (): number => compilerRuns;

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function fileHash(path: string): string | null {
  try {
    return sha256(readFileSync(path));
  } catch {
    return null;
  }
}

/** The `typescript` package of this installation: its version and its tsc entry point. */
function compiler(): { version: string; tsc: string } {
  const req = createRequire(join(ROOT, 'package.json'));
  let pkgPath: string;
  try {
    pkgPath = req.resolve('typescript/package.json');
  } catch {
    throw new Error(`the TypeScript compiler (package "typescript") is not installed in ${ROOT}: run npm install there, or pass --no-typecheck`);
  }
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string; bin: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['tsc'];
  if (bin === undefined) throw new Error(`typescript ${pkg.version} at ${dirname(pkgPath)} has no tsc: pass --no-typecheck`);
  return { version: pkg.version, tsc: join(dirname(pkgPath), bin) };
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.probe-${process.pid}`);
    writeFileSync(probe, '');
    renameSync(probe, join(dir, '.probe'));
    return true;
  } catch {
    return false;
  }
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const wanted = env['PARITY_CACHE_DIR'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'parity');
  const dir = join(wanted, 'typecheck');
  if (writable(dir)) return dir;
  const uid = typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
  return join(tmpdir(), `parity-cache-${uid}`, 'typecheck');
}

/**
 * Without @types/node (an install without dev dependencies) the ES library has no `console`: this
 * declares the little a strategy's debugging print needs, so `console.log` is not a type error.
 */
const CONSOLE_ONLY = 'declare var console: { log(...data: unknown[]): void; info(...data: unknown[]): void; warn(...data: unknown[]): void; error(...data: unknown[]): void; debug(...data: unknown[]): void };\n';

/** The tsconfig the strategy is checked under: the API by path, strict, nothing emitted. */
function tsconfigFor(strategy: string, dir: string): string {
  const types = join(ROOT, 'node_modules/@types');
  const hasNodeTypes = existsSync(join(types, 'node'));
  const extra: string[] = [];
  if (!hasNodeTypes) {
    const globals = join(dir, 'console-globals.d.ts');
    if (!existsSync(globals)) writeAtomic(globals, CONSOLE_ONLY);
    extra.push(globals);
  }
  return JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'ES2022', lib: ['ES2023'],
      module: 'preserve', moduleResolution: 'bundler', allowImportingTsExtensions: true,
      esModuleInterop: true, resolveJsonModule: true, skipLibCheck: true,
      // console.log and friends type-check when the Node types are there; nothing else is assumed.
      types: hasNodeTypes ? ['node'] : [], typeRoots: [types],
      paths: { parity: [API] },
    },
    files: [strategy, ...extra],
  }, null, 2);
}

interface CacheEntry {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly files: readonly (readonly [string, string])[];
}

/** tsc's `path(line,col): error TSn: message` (and its indented continuation lines) as `path:line:col: ...`. */
export function parseDiagnostics(output: string, cwd: string): { problems: string[]; files: string[] } {
  const problems: string[] = [];
  const files: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '') continue;
    const m = /^(.+?)\((\d+),(\d+)\): (error|warning) (TS\d+: .*)$/.exec(line);
    if (m !== null) {
      const p = isAbsolute(m[1]!) ? m[1]! : resolve(cwd, m[1]!);
      problems.push(`${p}:${m[2]}:${m[3]}: ${m[4]} ${m[5]}`);
    } else if (/^\s/.test(line) && problems.length > 0) {
      problems[problems.length - 1] += `\n    ${line.trim()}`;
    } else if (isAbsolute(line) && !line.includes(' error ')) {
      files.push(line);
    } else {
      // A message without a position (a bad option, a missing file): keep it, it is the reason.
      problems.push(line);
    }
  }
  return { problems, files };
}

export function typecheckStrategy(file: string, opts: TypecheckOptions = {}): TypecheckResult {
  const t0 = performance.now();
  const path = resolve(file);
  const source = readFileSync(path);
  const tsc = compiler();
  const dir = opts.cacheDir ?? defaultCacheDir();
  const key = sha256(JSON.stringify([CACHE_FORMAT, tsc.version, ROOT, path, sha256(source)]));
  const cacheFile = join(dir, `${key}.json`);
  const done = (ok: boolean, problems: readonly string[], cached: boolean): TypecheckResult => ({ ok, problems, cached, ms: performance.now() - t0, cacheFile });

  const hit = readEntry(cacheFile);
  if (hit !== null && hit.files.every(([f, h]) => fileHash(f) === h)) return done(hit.ok, hit.problems, true);

  mkdirSync(dir, { recursive: true });
  const config = join(dir, `tsconfig-${key}.json`);
  writeAtomic(config, tsconfigFor(path, dir));
  compilerRuns++;
  const cwd = dirname(path);
  const r = spawnSync(process.execPath, [tsc.tsc, '-p', config, '--pretty', 'false', '--listFiles'], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.error !== undefined) throw new Error(`the TypeScript compiler could not run (${r.error.message}): pass --no-typecheck to skip the check`);
  const { problems, files } = parseDiagnostics(`${r.stdout}\n${r.stderr}`, cwd);
  const ok = r.status === 0 && problems.length === 0;
  if (!ok && problems.length === 0) {
    // The compiler died (killed, timed out, crashed) without saying why: a reason, and no verdict kept.
    problems.push(`the TypeScript compiler ended with ${r.signal !== null ? `signal ${r.signal}` : `status ${String(r.status)}`} and no diagnostics: try again, or pass --no-typecheck`);
    return done(false, problems, false);
  }
  // Every file tsc read outside node_modules decides the verdict: the strategy, its imports, the API.
  const deps = [...new Set([path, ...files])].filter((f) => !f.includes('/node_modules/'));
  const entry: CacheEntry = { ok, problems, files: deps.map((f) => [f, fileHash(f) ?? ''] as const) };
  try {
    writeAtomic(cacheFile, JSON.stringify(entry));
  } catch {
    // A cache that cannot be written costs the next run a compile, nothing more.
  }
  return done(ok, problems, false);
}

/** Written whole and renamed: sweep workers checking the same strategy never read half a file. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function readEntry(path: string): CacheEntry | null {
  try {
    const e = JSON.parse(readFileSync(path, 'utf8')) as CacheEntry;
    return typeof e.ok === 'boolean' && Array.isArray(e.problems) && Array.isArray(e.files) ? e : null;
  } catch {
    return null;
  }
}
