import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { DataError } from '../../src/data/errors.ts';

export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Runs `fn`, expects a DataError at `file:line` whose message contains `fragment`. */
export function expectDataError(fn: () => unknown, file: string, line: number, fragment: string | RegExp): DataError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a DataError').toBeInstanceOf(DataError);
  const e = caught as DataError;
  expect(e.file).toBe(file);
  expect(e.line).toBe(line);
  const where = line > 0 ? `${file}:${line}: ` : `${file}: `;
  expect(e.message.startsWith(where), `"${e.message}" should start with "${where}"`).toBe(true);
  expect(String(e)).toBe(e.message);
  if (typeof fragment === 'string') expect(e.message).toContain(fragment);
  else expect(e.message).toMatch(fragment);
  return e;
}
