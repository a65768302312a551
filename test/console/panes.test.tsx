import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App, computeLayout } from '../../src/console/app.tsx';
import { LineDiffStdout } from '../../src/console/line-diff-stdout.ts';
import { StaticSource, snapshot, tick } from './fixtures.ts';

afterEach(() => cleanup());

const WIDE = { columns: 120, rows: 40 };
const SMALL = { columns: 80, rows: 24 };
const keys = { command: async () => ({ ok: true, command: 'pause' as const, message: 'ok', level: 1 as const, incomplete: [] }), quit: () => {} };

function frame(src: StaticSource, size = WIDE, mode: 'paper' | 'live' | 'replay' = 'paper', colors = true): string {
  const r = render(<App source={src} mode={mode} keys={keys} size={size} colors={colors} />);
  return r.lastFrame() ?? '';
}

describe('console panes', () => {
  it('status bar: mode, venue and account, equity, day P&L, connection, kill level, trading, clock', () => {
    const f = frame(new StaticSource(snapshot({}, { killLevel: 2, killReason: 'cancel-all by console' })));
    const top = f.split('\n')[0]!;
    expect(top).toContain('PAPER');
    expect(top).toContain('sim:paper sma-cross');
    expect(top).toContain('eq 101,234.50');
    expect(top).toContain('day +1,234.50');
    expect(top).toContain('in-process');
    expect(top).toContain('KILL L2 canceled');
    expect(top).toContain('2024-03-04 12:00:00Z');
  });

  it('dropped live events show in the status bar, and the line still fits 80 columns', () => {
    const f = frame(new StaticSource(snapshot({ droppedMarketEvents: 3 })), SMALL);
    const top = f.split('\n').slice(0, 2);
    expect(top.join('\n')).toContain('3 dropped');
    for (const l of top) expect(l.length).toBeLessThanOrEqual(80);
    expect(frame(new StaticSource(snapshot({ droppedMarketEvents: 3 }))).split('\n')[0]).toContain('3 dropped');
    expect(frame(new StaticSource(snapshot()), SMALL).split('\n').slice(0, 2).join('\n')).not.toContain('dropped');
  });

  it('LIVE is unmistakable, connection shows heartbeat age', () => {
    const f = frame(new StaticSource(snapshot({ info: { ...snapshot().info, mode: 'live' }, connection: { state: 'connected', heartbeatAgeMs: 4000, detail: '' } })), WIDE, 'live');
    expect(f.split('\n')[0]).toContain('LIVE — REAL MONEY');
    expect(f.split('\n')[0]).toContain('connected 4s');
  });

  it('orders: working and recent, denied and rejected with the reason', () => {
    const f = frame(new StaticSource(snapshot()));
    expect(f).toMatch(/client id\s+symbol\s+side\s+type\s+qty\s+filled\s+price\s+state\s+age/);
    expect(f).toMatch(/sma1\s+BTC-USD\s+buy\s+limit\s+0\.5\s+0\s+60000\.00\s+accepted\s+1m/);
    expect(f).toMatch(/sma2 .*denied .*trading is paused/);
    expect(f).toMatch(/sma3 .*rejected .*insufficient buying power/);
    expect(f).toContain('1 working, 2 recent');
  });

  it('positions: quantity, average, last, unrealized and realized', () => {
    const f = frame(new StaticSource(snapshot()));
    expect(f).toMatch(/BTC-USD\s+1\.5\s+60000\.00\s+61000\.00\s+\+1,500\.00\s+-20\.00/);
    expect(frame(new StaticSource(snapshot({ positions: [] })))).toContain('flat: no positions');
  });

  it('gates: pass / warn / fail with detail and what to do', () => {
    const f = frame(new StaticSource(snapshot({}, { gates: [
      { id: 'environment', title: 'Environment', status: 'pass', detail: 'Node 20', fix: '' },
      { id: 'risk', title: 'Risk limits', status: 'warn', detail: 'no risk limits configured', fix: 'set risk.maxOrderNotional' },
      { id: 'clock', title: 'Clock skew', status: 'fail', detail: '+3000 ms', fix: 'sync the clock' },
    ] })));
    expect(f).toContain('✔ pass  Environment');
    expect(f).toContain('! warn  Risk limits      no risk limits configured');
    expect(f).toContain('→ set risk.maxOrderNotional');
    expect(f).toContain('✖ FAIL  Clock skew');
    expect(f).toContain('→ sync the clock');
    expect(f).toContain('gates: 1 FAIL (Clock skew): no orders until fixed');
  });

  it('reconciliation: unavailable said honestly; a diff with when it ran', () => {
    expect(frame(new StaticSource(snapshot()))).toContain('reconciliation not available for this venue');
    const f = frame(new StaticSource(snapshot({}, { reconcileUnavailable: null, reconciliation: { clean: false, at: Date.now() - 65_000, lines: ['position BTC-USD: ours 1.5, venue 1.0'] } })));
    expect(f).toMatch(/DIFFERENCES, ran 1m ago/);
    expect(f).toContain('position BTC-USD: ours 1.5, venue 1.0');
  });

  it('events: newest at the bottom; P&L sparkline', () => {
    const f = frame(new StaticSource(snapshot()));
    expect(f).toContain('event number 60');
    expect(f).not.toContain('event number 1 ');
    expect(f).toContain('60 total');
    expect(f).toMatch(/101,234\.50\s+\+1,234\.50 \(1\.23%\)/);
    expect(f).toMatch(/[▁▂▃▄▅▆▇█]{3,}/);
  });

  it('fits 80x24 (compact) and 120x40 without a wrapped line', () => {
    for (const size of [SMALL, WIDE]) {
      const lines = frame(new StaticSource(snapshot({}, { killLevel: 3, killReason: 'flatten by console' })), size).split('\n');
      expect(lines.length).toBe(size.rows - 1);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(size.columns);
    }
    const compact = frame(new StaticSource(snapshot()), SMALL);
    expect(compact).toContain('Orders');
    expect(compact).toContain('Positions');
    expect(compact).toContain('Events');
    expect(compact).toContain('q quit');
  });

  it('adapts on resize', async () => {
    const src = new StaticSource(snapshot());
    const r = render(<App source={src} mode="paper" keys={keys} />);
    const out = r.stdout as unknown as { columns: number; rows?: number; emit(e: string): void };
    Object.defineProperty(out, 'columns', { value: 80, configurable: true });
    Object.defineProperty(out, 'rows', { value: 24, configurable: true });
    out.emit('resize');
    await tick();
    expect((r.lastFrame() ?? '').split('\n').length).toBe(23);
  });

  it('respects NO_COLOR: meaning survives in text, no color codes', () => {
    const src = new StaticSource(snapshot({}, { gates: [{ id: 'c', title: 'Clock skew', status: 'fail', detail: 'x', fix: 'y' }] }));
    const r = render(<App source={src} mode="paper" keys={keys} size={WIDE} colors={false} />);
    const raw = r.frames.join('');
    expect(raw).not.toMatch(/\x1b\[3\dm/); // no foreground colors
    expect(r.lastFrame()).toContain('✖ FAIL');
  });

  it('layout leaves the last terminal row free (no full-screen clear, no flicker)', () => {
    expect(computeLayout(120, 40, false, 'orders').total).toBe(39);
    expect(computeLayout(80, 24, true, 'orders').total).toBe(23);
  });
});

describe('LineDiffStdout', () => {
  it('rewrites only changed lines and keeps the cursor below the frame', () => {
    const writes: string[] = [];
    const d = new LineDiffStdout({ columns: 20, rows: 10, isTTY: true, write: (s) => { writes.push(s); return true; }, on: () => {}, off: () => {} });
    d.write('a\nb\nc\n');
    const erase3 = '\x1b[2K\x1b[1A'.repeat(3) + '\x1b[2K\x1b[G';
    d.write(`${erase3}a\nB\nc\n`);
    expect(writes[1]).toBe('\x1b[3A\r\x1b[1E\x1b[2KB\x1b[1E\x1b[1E');
    // height change: Ink's full rewrite passes through
    d.write(`${erase3}a\nb\n`);
    expect(writes[2]).toBe(`${erase3}a\nb\n`);
  });
});
