/**
 * `parity new strategy`: a commented strategy file that backtests as it is, from the shipped
 * template (strategies/templates/strategy.ts, type-checked with the rest of the code).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StrategyLoadError } from './loader.ts';

const TEMPLATE = fileURLToPath(new URL('../../strategies/templates/strategy.ts', import.meta.url));
const PLACEHOLDER = 'my-strategy';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** The template's text with `name` in place of the placeholder. */
export function strategyTemplate(name: string): string {
  return readFileSync(TEMPLATE, 'utf8').replaceAll(PLACEHOLDER, name);
}

/**
 * Write `<dir>/<name>.ts` (a name may carry its own .ts / .mts extension) and return its path.
 * An existing file is never overwritten.
 */
export function writeStrategyTemplate(nameOrFile: string, dir: string): string {
  const ext = extname(nameOrFile);
  if (ext !== '' && ext !== '.ts' && ext !== '.mts') {
    throw new StrategyLoadError(`"${nameOrFile}": the template is TypeScript, so the file ends in .ts or .mts (or give the name alone)`);
  }
  const name = basename(nameOrFile, ext);
  if (nameOrFile.includes('/') || nameOrFile.includes('\\') || !NAME.test(name)) {
    throw new StrategyLoadError(`"${nameOrFile}" is not a strategy name: use letters, digits, - and _ (the folder goes in --dir)`);
  }
  const path = resolve(dir, `${name}${ext === '' ? '.ts' : ext}`);
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(path, strategyTemplate(name), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new StrategyLoadError(`${path} already exists; it was left as it is. Pick another name, or --dir another folder`);
    }
    throw err;
  }
  return path;
}
