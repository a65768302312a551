import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planBarStream } from '../../src/data/stream.ts';
import { DataError } from '../../src/data/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'parity-plan-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tick = (): number => 0.01;
const head = 'timestamp,symbol,open,high,low,close,volume';
const row = (min: number, sym: string): string => `2024-01-02T00:${String(min).padStart(2, '0')}:00Z,${sym},10,11,9,10,1`;

function drain(feed: { peekTime(): number; next(): { symbol: string } }): string[] {
  const out: string[] = [];
  while (feed.peekTime() !== Number.POSITIVE_INFINITY) out.push(feed.next().symbol);
  return out;
}

describe('the symbols a plan knows (the quick pass, or remembered for an unchanged file)', () => {
  it('a file rewritten after a plan of it is planned again from its new content', () => {
    const p = join(dir, 'rewritten.csv');
    writeFileSync(p, [head, row(0, 'AA'), row(1, 'AA')].join('\n'));
    expect(planBarStream([p]).symbols).toEqual(['AA']);
    expect(planBarStream([p]).symbols).toEqual(['AA']);
    writeFileSync(p, [head, row(0, 'AA'), row(1, 'BB'), row(2, 'CC')].join('\n'));
    expect(planBarStream([p]).symbols).toEqual(['AA', 'BB', 'CC']);
    expect(drain(planBarStream([p]).open(tick, []))).toEqual(['AA', 'BB', 'CC']);
  });

  it('a symbol the plan did not list is refused when the run reaches it (the file changed after planning)', () => {
    const p = join(dir, 'grown.csv');
    writeFileSync(p, [head, row(0, 'AA'), row(1, 'AA')].join('\n'));
    const plan = planBarStream([p], {}, { blockRows: 4, chunkBytes: 64 });
    expect(plan.symbols).toEqual(['AA']);
    writeFileSync(p, [head, ...Array.from({ length: 20 }, (_, i) => row(i, i < 15 ? 'AA' : 'ZZ'))].join('\n'));
    let n = 0;
    let got: unknown;
    try { const feed = plan.open(tick, []); while (feed.peekTime() !== Number.POSITIVE_INFINITY) { feed.next(); n++; } } catch (e) { got = e; }
    expect(got).toBeInstanceOf(DataError);
    expect((got as DataError).message).toContain(':17: symbol ZZ was not in the file when the run was planned (it had AA)');
    expect(n).toBeLessThan(20);
  });
});
