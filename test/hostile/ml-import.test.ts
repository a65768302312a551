/**
 * Budget: 3 spawns of the real CLI, about 3 s each.
 *
 * `parity model import` of LightGBM text models a hostile (or merely odd) trainer could write.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parity, ROOT, tempDir } from '../cli/helpers.ts';

const FIXTURE = readFileSync(join(ROOT, 'test/fixtures/lightgbm/model.txt'), 'utf8');

describe('parity model import of a hostile LightGBM model.txt', () => {
  it('a leaf value beyond float32 range: refused (the ONNX would hold Infinity, and +Inf + -Inf is a NaN probability)', () => {
    const dir = tempDir('parity-ml-import-');
    const file = join(dir, 'model.txt');
    // Tree 0's first leaf becomes 1e300: finite as a double, Infinity as the float32 ONNX stores.
    writeFileSync(file, FIXTURE.replace(/leaf_value=\S+/, 'leaf_value=1e300'));
    const out = join(dir, 'out');
    const r = parity(['model', 'import', file, '--out', out]);
    expect(r.stderr).not.toContain('unexpected error');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('float32');
    expect(existsSync(join(out, 'model.onnx'))).toBe(false);
  });

  it('Windows line endings: imported as the same ONNX bytes as the original', () => {
    const dir = tempDir('parity-ml-import-');
    const paths = { crlf: join(dir, 'crlf-src'), lf: join(dir, 'lf-src') };
    for (const [kind, src] of Object.entries(paths)) {
      mkdirSync(src);
      writeFileSync(join(src, 'model.txt'), kind === 'crlf' ? FIXTURE.replaceAll('\n', '\r\n') : FIXTURE);
      const r = parity(['model', 'import', join(src, 'model.txt'), '--out', join(dir, kind)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    expect(Buffer.compare(readFileSync(join(dir, 'crlf/model.onnx')), readFileSync(join(dir, 'lf/model.onnx')))).toBe(0);
  });
});
