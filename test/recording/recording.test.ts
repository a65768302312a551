import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayModel } from '../../src/recording/model.ts';
import { openRecording, parseRecording, type Recording } from '../../src/recording/recording.ts';
import { HeaderSchema } from '../../src/recording/format.ts';
import type { PaperSession } from '../../src/modes/paper.ts';
import { cleanup, eventsText, paperConfig, recordSession, tempDir } from './helpers.ts';

describe('recorder + reader on a real paper session', () => {
  let dir: string;
  let paper: PaperSession;
  let rec: Recording;

  beforeAll(async () => {
    dir = tempDir();
    paper = await recordSession(paperConfig(dir, { strategy: { file: 'test/recording/fixtures/chaser.ts' }, venue: { latency: { submitMs: 20_000, ackMs: 5_000 } } }));
    rec = openRecording(paper.session.dir);
  });
  afterAll(() => cleanup(dir));

  it('writes a header first and an end record last, and opens without warnings', () => {
    const lines = eventsText(paper.session.dir).trimEnd().split('\n');
    const h = HeaderSchema.parse(JSON.parse(lines[0]!));
    expect(h.mode).toBe('paper');
    expect(h.venue).toBe('sim');
    expect(h.strategy.name).toBe('chaser');
    expect(h.strategy.hash).toBe(paper.parts.strategy.sourceHash);
    expect(h.params).toEqual({ offset: 15, every: 5, qty: 0.1 });
    expect(h.commit === null || /^[0-9a-f]{40}$/.test(h.commit)).toBe(true);
    expect(JSON.parse(lines[lines.length - 1]!).k).toBe('end');
    expect(rec.warnings).toEqual([]);
    expect(rec.clean).toBe(true);
    expect(rec.snapshotCount()).toBeGreaterThan(3);
  });

  it('records every market event, and decisions of every kind with their trigger', () => {
    let bars = 0;
    const ops = new Set<string>();
    for (let i = 0; i < rec.total; i++) {
      const k = rec.kindOf(i);
      if (k === 'bar') bars++;
      if (k === 'decision') {
        const r = rec.record(i);
        if (r.k !== 'decision') throw new Error('kind');
        ops.add(r.d.op);
        expect(r.trig.n).toBeGreaterThanOrEqual(0);
        expect(rec.kindOf(r.trig.n)).toBe(r.trig.k === 'bar' ? 'bar' : r.trig.k);
        if (r.d.op === 'replace') expect(r.d.changes?.limitPrice).toBeTypeOf('number');
      }
    }
    expect(bars).toBe(4320);
    expect([...ops].sort()).toEqual(['cancel', 'replace', 'submit']);
  });

  it('puts a market event before the reports and decisions it caused', () => {
    const i = rec.findNext(-1, 'fill')!;
    // The fill's report came from matching the bar just before it (in-market, m: 1).
    let j = i - 1;
    while (rec.kindOf(j) !== 'bar') j--;
    const bar = rec.record(j);
    const fill = rec.record(i);
    expect(fill.k === 'fill' && bar.k === 'bar' && fill.f.ts >= bar.t).toBe(true);
  });

  it('state at the last event equals the engine at the end', () => {
    const s = rec.stateAt(rec.total - 1);
    const a = paper.engine.portfolio.account();
    expect(s.account.equity).toBeCloseTo(a.equity, 6);
    expect(s.account.cash).toBeCloseTo(a.cash, 6);
    expect(s.account.realizedPnl).toBeCloseTo(a.realizedPnl, 6);
    const pos = paper.engine.portfolio.positionsList().filter((p) => p.qty !== 0);
    expect(s.positions.filter((p) => p.qty !== 0).map((p) => [p.symbol, p.qty])).toEqual(pos.map((p) => [p.symbol, p.qty]));
    expect(s.orders.filter((o) => !['filled', 'canceled', 'rejected', 'denied', 'expired'].includes(o.status)).map((o) => o.clientOrderId).sort())
      .toEqual(paper.engine.openOrderViews().map((o) => o.clientOrderId).sort());
    expect(s.counts.fills).toBe(rec.end!.counts.fills);
    expect(s.counts.orders).toBe(rec.end!.counts.orders);
  });

  it('the same cursor gives the same state whether reached forward, backward or by a jump', () => {
    const targets = [0, 1, 999, 1000, 1001, 2500, rec.total - 1];
    const direct = targets.map((i) => JSON.stringify(rec.stateAt(i)));
    // Forward, one event at a time.
    const fwd = new Map<number, string>();
    for (let i = 0; i < rec.total; i++) if (targets.includes(i)) fwd.set(i, JSON.stringify(rec.stateAt(i))); else if (i % 97 === 0) rec.stateAt(i);
    // Backward, one event at a time from the end.
    const back = new Map<number, string>();
    for (let i = rec.total - 1; i >= 0 && i >= 2400; i--) if (targets.includes(i)) back.set(i, JSON.stringify(rec.stateAt(i)));
    targets.forEach((t, k) => {
      expect(fwd.get(t)).toBe(direct[k]);
      if (back.has(t)) expect(back.get(t)).toBe(direct[k]);
    });
    for (const t of [1000, 1, 0]) expect(JSON.stringify(rec.stateAt(t))).toBe(direct[targets.indexOf(t)]);
  });

  it('a snapshot agrees with re-applying every event from the start', () => {
    const from0 = new ReplayModel(rec.header);
    const at = 3000;
    for (let i = 0; i <= at; i++) from0.apply(rec.record(i));
    const viaSnap = rec.stateAt(at);
    const full = from0.view(at);
    expect(viaSnap.account.equity).toBeCloseTo(full.account.equity, 6);
    expect(viaSnap.positions.map((p) => p.qty)).toEqual(full.positions.map((p) => p.qty));
    expect(viaSnap.orders.filter((o) => o.status === 'accepted').map((o) => o.clientOrderId))
      .toEqual(full.orders.filter((o) => o.status === 'accepted').map((o) => o.clientOrderId));
    expect(viaSnap.tradingState).toEqual(full.tradingState);
  });

  it('seeks by time and jumps to the next and previous event of a kind', () => {
    const mid = rec.timeOf(Math.floor(rec.total / 2));
    const i = rec.indexAtTime(mid);
    expect(rec.timeOf(i)).toBeLessThanOrEqual(mid);
    if (i + 1 < rec.total) expect(rec.timeOf(i + 1)).toBeGreaterThan(mid);
    expect(rec.indexAtTime(0)).toBe(0);
    const f1 = rec.findNext(-1, 'fill')!;
    expect(rec.kindOf(f1)).toBe('fill');
    const f2 = rec.findNext(f1, 'fill')!;
    expect(f2).toBeGreaterThan(f1);
    expect(rec.findPrev(f2, 'fill')).toBe(f1);
    expect(rec.findPrev(f1, 'fill')).toBeNull();
    const d = rec.findNext(-1, 'decision')!;
    expect(rec.kindOf(d)).toBe('decision');
  });

  it('gives an events log and an equity series for a cursor', () => {
    const i = rec.findNext(-1, 'fill')! + 3;
    const log = rec.logAt(i, 10);
    expect(log.length).toBeGreaterThan(1);
    expect(log[log.length - 1]!.index).toBe(i);
    expect(log.slice(0, -1).every((l) => l.kind !== 'bar')).toBe(true);
    const eq = rec.equitySeries(rec.total - 1, 100);
    expect(eq.length).toBeLessThanOrEqual(100);
    expect(eq[eq.length - 1]!.equity).toBeCloseTo(rec.stateAt(rec.total - 1).account.equity, 6);
  });

  it('parses the same recording from text', () => {
    const again = parseRecording(eventsText(paper.session.dir));
    expect(again.total).toBe(rec.total);
    expect(JSON.stringify(again.stateAt(1234))).toBe(JSON.stringify(rec.stateAt(1234)));
  });
});
