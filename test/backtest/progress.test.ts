import { describe, expect, it } from 'vitest';
import { ProgressBar, formatCount, formatDuration, type ProgressStream } from '../../src/backtest/progress.ts';

class FakeStream implements ProgressStream {
  readonly chunks: string[] = [];
  constructor(readonly isTTY: boolean, readonly columns = 100) {}
  write(chunk: string): boolean { this.chunks.push(chunk); return true; }
}

describe('ProgressBar', () => {
  it('does nothing when the stream is not a terminal', () => {
    const s = new FakeStream(false);
    const p = new ProgressBar(s, { total: 100 });
    p.update(50);
    p.done();
    expect(s.chunks).toEqual([]);
  });

  it('redraws at most every 100 ms, shows percent, rate and ETA, and clears at the end', () => {
    let t = 0;
    const s = new FakeStream(true);
    const p = new ProgressBar(s, { total: 1_000_000, now: () => t });
    t = 50; p.update(100_000);   // first draw
    t = 100; p.update(200_000);  // 50 ms later: skipped
    t = 500; p.update(1_000_000 / 2);
    expect(s.chunks).toHaveLength(2);
    const last = s.chunks[1]!;
    expect(last.startsWith('\r\x1b[2K')).toBe(true);
    expect(last).toContain(' 50.0%');
    expect(last).toContain('1.00M bars/s'); // 500,000 in 0.5 s
    expect(last).toContain('ETA 1s');
    expect(last.length - '\r\x1b[2K'.length).toBeLessThan(100);
    p.done();
    expect(s.chunks[2]).toBe('\r\x1b[2K');
  });

  it('takes the total late and works without one', () => {
    let t = 0;
    const s = new FakeStream(true);
    const p = new ProgressBar(s, { now: () => t });
    t = 1000; p.update(5000);
    expect(s.chunks[0]).toContain('5000 bars');
    t = 2000; p.update(5000, 10_000);
    expect(s.chunks[1]).toContain(' 50.0%');
  });

  it('never wider than a narrow terminal', () => {
    const s = new FakeStream(true, 30);
    const p = new ProgressBar(s, { total: 10, now: () => 1000 });
    p.update(5);
    expect(s.chunks[0]!.length - '\r\x1b[2K'.length).toBeLessThan(30);
  });
});

describe('formatting helpers', () => {
  it('counts and durations', () => {
    expect(formatCount(999)).toBe('999');
    expect(formatCount(12_345)).toBe('12.3k');
    expect(formatCount(2_100_000)).toBe('2.10M');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
  });
});
