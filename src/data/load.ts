/**
 * Bars from a file: the reader is chosen by extension, every row is checked, the result is one
 * columnar series per symbol. Errors are `DataError`s naming the file and line.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { BarSeries } from './series.ts';
import type { LoadOptions } from './collect.ts';
import { DataError } from './errors.ts';
import { parseCsvBars } from './csv.ts';
import { parseJsonlBars } from './jsonl.ts';

export type { LoadOptions } from './collect.ts';

export const BAR_FILE_TYPES = ['.csv', '.jsonl', '.ndjson'] as const;

/** The reader for a path, by extension (case-insensitive), or an error listing what is accepted. */
function readerFor(path: string): (text: string, source: string, opts: LoadOptions) => BarSeries[] {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return parseCsvBars;
  if (ext === '.jsonl' || ext === '.ndjson') return parseJsonlBars;
  throw new DataError(path, 0, `unsupported file type '${ext || '(none)'}': bar files must be ${BAR_FILE_TYPES.join(', ')}`);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(path, 0, 'no such file');
    if (code === 'EISDIR') throw new DataError(path, 0, 'is a directory, not a bar file');
    if (code === 'ERR_STRING_TOO_LONG') throw new DataError(path, 0, 'file is too large to read at once (over ~500 MB): split it, e.g. by month');
    throw new DataError(path, 0, err instanceof Error ? err.message : String(err));
  }
}

/**
 * Load bars from a .csv, .jsonl or .ndjson file.
 * - `tz`: IANA zone for timestamps without an offset (otherwise those are refused).
 * - `symbol`: names a single-symbol file's series (wins over the file name), or picks one symbol
 *   from a multi-symbol file.
 * - `from` / `to`: epoch ms window, from inclusive, to exclusive (rows outside are still checked;
 *   a symbol with no rows inside gives an empty series).
 */
export function loadBars(path: string, opts: LoadOptions = {}): BarSeries[] {
  const read = readerFor(path);
  return read(readText(path), path, opts);
}
