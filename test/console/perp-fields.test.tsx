/**
 * Console fields for perpetuals and the venue's dead-man switch: the status bar's DMS segment (from
 * the execution client, through the model's snapshot), the positions pane's mark / liquidation /
 * leverage columns (only when a perpetual position exists), the P&L pane's funding total, and
 * venue-initiated entries (funding, liquidations) in the events pane.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../src/console/app.tsx';
import { numberForms } from '../../src/console/format.ts';
import { ConsoleModel, type ConsoleSnapshot } from '../../src/console/model.ts';
import { statusLines } from '../../src/console/panes/status-bar.tsx';
import { POSITION_HEADER, eventLines, pnlLines, positionLines } from '../../src/console/panes/tables.ts';
import { InstrumentRegistry } from '../../src/domain/instrument-registry.ts';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { AccountEntry, DeadManStatus, ExecutionClient } from '../../src/ports/index.ts';
import { DEFAULT_ACCOUNT, type PositionView } from '../../src/portfolio/portfolio.ts';
import { SimVenue } from '../../src/venues/sim/sim-venue.ts';
import { StaticSource, T, snapshot, tick } from './fixtures.ts';
import { ManualFeed, until } from '../ops/rig.ts';

afterEach(() => cleanup());

const WALL = 1_800_000_000_000;
const bar = (s: ConsoleSnapshot, w = 120, compact = false) => statusLines(s, w, compact);
const text = (lines: ReturnType<typeof statusLines>) => lines.map((l) => l.map((x) => x.text).join('')).join('\n');
const seg = (lines: ReturnType<typeof statusLines>, re: RegExp) => lines.flat().find((x) => re.test(x.text));
const dms = (d: DeadManStatus | null, over: Partial<ConsoleSnapshot> = {}) => snapshot({ wallTime: WALL, deadMan: d, ...over });
const status = (state: DeadManStatus['state'], expiresAt: number | null = null): DeadManStatus => ({ state, timeoutMs: 60_000, expiresAt, lastRefresh: WALL - 3000 });

describe('the dead-man switch on the status bar', () => {
  it('says none, off, the countdown, failing and fired, each in its tone', () => {
    expect(text(bar(dms(null)))).toContain('DMS none');
    expect(text(bar(dms(status('unsupported'))))).toContain('DMS none');
    expect(text(bar(dms(status('off'))))).toContain('DMS off');
    const armed = bar(dms(status('armed', WALL + 57_000)));
    expect(text(armed)).toContain('DMS 57s');
    expect(seg(armed, /^DMS/)!.tone).toBe('good');
    const failing = bar(dms(status('failing', WALL + 9_000)));
    expect(seg(failing, /^DMS/)!.text).toBe('DMS fail 9s');
    expect(seg(failing, /^DMS/)!.tone).toBe('warn');
    const fired = bar(dms(status('fired')));
    expect(seg(fired, /^DMS/)!.text).toBe('DMS FIRED');
    expect(seg(fired, /^DMS/)!.tone).toBe('bad');
  });

  it('is absent where the snapshot has no venue to ask (a replay)', () => {
    expect(text(bar(snapshot()))).not.toContain('DMS');
  });

  it('at 80 columns "none" gives way; a countdown, failing or fired stay', () => {
    const squeezed = { info: { ...snapshot().info, mode: 'live' as const, venue: 'okx', account: 'live-account-with-a-long-name' }, connection: { state: 'connected' as const, heartbeatAgeMs: 4000, detail: '' }, equity: 12_345_678.9, dayPnl: -1_234_567.89, droppedMarketEvents: 12_345 };
    const none = text(bar(dms(null, squeezed), 80, true));
    expect(none).not.toContain('DMS');
    expect(none).toMatch(/ ACTIVE/);
    for (const [s, shown] of [[status('armed', WALL + 57_000), 'DMS 57s'], [status('failing', WALL + 9_000), 'DMS fail 9s'], [status('fired'), 'DMS FIRED']] as const) {
      for (const killLevel of [0, 3]) {
        const t = text(bar(dms(s, squeezed), 80, true));
        expect(t, s.state).toContain(shown);
        for (const l of t.split('\n')) expect(l.length).toBe(80);
        // The trading state and the kill level are never cut for it.
        expect(t).toMatch(/ ACTIVE( |$)/m);
        expect(t).toContain('LIVE');
        expect(text(bar(dms(s, { ...squeezed, ops: { ...snapshot().ops, killLevel: killLevel as 0 | 3 } }), 80, true))).toMatch(killLevel === 0 ? /kill off/ : /KILL L3/);
      }
    }
  });

  it('comes from the execution client through the model, and counts down as the wall clock moves', async () => {
    let wall = WALL;
    const instruments = new InstrumentRegistry([makeInstrument('BTC-USD', 'sim')]);
    const sim = new SimVenue({ instruments, account: DEFAULT_ACCOUNT });
    const d: DeadManStatus = status('armed', WALL + 57_000);
    // The simulator with a dead-man switch: the one venue that runs here; deadMan is all it adds.
    const withSwitch = new Proxy(sim, {
      get(t, k, r) {
        if (k === 'deadMan') return () => d;
        const v = Reflect.get(t, k, r) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    }) as ExecutionClient;
    const model = new ConsoleModel({ info: snapshot().info, wallNow: () => wall });
    const engine = new Engine({ instruments, execution: withSwitch, account: DEFAULT_ACCOUNT, limits: {}, strategy: { name: 't', handlers: {}, params: {} }, observers: [model] });
    model.onStart(engine);
    model.tick();
    expect(text(bar(model.get()))).toContain('DMS 57s');
    wall += 2000;
    model.tick();
    expect(text(bar(model.get()))).toContain('DMS 55s');
    // No deadMan on the client: the venue has none.
    const plain = new ConsoleModel({ info: snapshot().info, wallNow: () => wall });
    plain.onStart(new Engine({ instruments, execution: sim, account: DEFAULT_ACCOUNT, limits: {}, strategy: { name: 't', handlers: {}, params: {} }, observers: [plain] }));
    plain.tick();
    expect(text(bar(plain.get()))).toContain('DMS none');
  });
});

type Perp = PositionView;
const spot: Perp = { symbol: 'BTC-USD', qty: 1.5, avgPrice: 60000, lastPrice: 61000, unrealizedPnl: 1500, realizedPnl: -20, fees: 1, funding: 0, markPrice: 0, liquidationPrice: null, leverage: null, marginMode: null };
const perp: Perp = {
  symbol: 'BTC/USDT:USDT', qty: -2.5, avgPrice: 61_250.5, lastPrice: 61_010, unrealizedPnl: 601.25, realizedPnl: -1_234.56, fees: 3,
  markPrice: 61_009.8, liquidationPrice: 67_890.12, leverage: 10, marginMode: 'isolated', funding: -12.34,
};

/** The figure whole: the full form, or a k/M form of it, bounded by spaces, never a cut prefix. */
function shows(frame: string, n: number, kind: 'pnl' | 'qty' | 'price'): boolean {
  return numberForms(n, kind).some((f) => new RegExp(`(^|\\s)${f.replace(/[.+$]/g, '\\$&')}(\\s|$)`, 'm').test(frame));
}

describe('perpetual positions', () => {
  it('an equity-only session shows the columns it always had', () => {
    const s = snapshot({ positions: [spot] });
    for (const w of [47, 65, 120]) {
      expect(POSITION_HEADER(w, s)).not.toMatch(/mark|liq|lev/);
      expect(POSITION_HEADER(w, s)).toContain('symbol');
    }
  });

  it('a perpetual position adds mark, liquidation and leverage / margin mode', () => {
    const s = snapshot({ positions: [spot, perp] });
    const head = POSITION_HEADER(120, s);
    expect(head).toMatch(/mark/);
    expect(head).toMatch(/liq/);
    expect(head).toMatch(/lev/);
    const [spotRow, perpRow] = positionLines(s, 120).map((l) => l.text);
    expect(perpRow).toContain('10x iso');
    expect(shows(perpRow!, 67_890.12, 'price')).toBe(true);
    expect(shows(perpRow!, 61_009.8, 'price')).toBe(true);
    // A spot row in a mixed session: no liquidation price, no leverage of its own.
    expect(spotRow!.match(/ - /g)?.length ?? 0).toBeGreaterThanOrEqual(1);
    // A cross position whose equity covers it has no liquidation price: '-', never 0.
    const cross = snapshot({ positions: [{ ...perp, liquidationPrice: null, marginMode: 'cross', leverage: 3 } as Perp] });
    expect(positionLines(cross, 120)[0]!.text).toContain('3x cross');
  });

  it('at 80x24 the liquidation price, qty and unrealized stay whole; avg and last give way first', async () => {
    const s = snapshot({ positions: [spot, perp], account: undefined } as Partial<ConsoleSnapshot>);
    const r = render(<App source={new StaticSource(s)} mode="paper" keys={{ quit: () => {} }} size={{ columns: 80, rows: 24 }} colors={false} />);
    await tick();
    const f = r.lastFrame() ?? '';
    for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    expect(f).toMatch(/liq/);
    expect(shows(f, perp.liquidationPrice!, 'price'), f).toBe(true);
    expect(shows(f, perp.qty, 'qty'), f).toBe(true);
    expect(shows(f, perp.unrealizedPnl, 'pnl'), f).toBe(true);
    expect(f).not.toMatch(/\d…/);
    const header = f.split('\n').find((l) => /symbol/.test(l) && /liq/.test(l))!;
    expect(header).not.toMatch(/\bavg\b/);
  });
});

describe('funding on the P&L pane', () => {
  const series = [100000, 100500, 100200, 101000, 101234.5];
  it('shows the session funding total when it is not zero, and nothing when it is', () => {
    expect(pnlLines(snapshot({ funding: 0 }), 40, 4).map((l) => l.text).join('\n')).not.toMatch(/fund/);
    expect(pnlLines(snapshot({}), 40, 4).map((l) => l.text).join('\n')).not.toMatch(/fund/);
    const paid = pnlLines(snapshot({ funding: -12.34, equitySeries: series }), 40, 4).map((l) => l.text);
    expect(paid.join('\n')).toMatch(/funding -12\.34/);
    for (const l of paid) expect(l.length).toBeLessThanOrEqual(40);
    // Narrow: the figure stays whole (shortened k / M), the label shortens.
    const narrow = pnlLines(snapshot({ funding: -1_234_567.89, equitySeries: series }), 20, 4).map((l) => l.text);
    expect(narrow.some((l) => numberForms(-1_234_567.89, 'pnl').some((x) => l.includes(x)))).toBe(true);
  });
});

describe('venue-initiated entries in the events pane', () => {
  it('funding and a liquidation booked by the engine appear as events, the liquidation in the error tone', async () => {
    const PERP = 'BTC/USDT:USDT';
    const instruments = new InstrumentRegistry([makeInstrument(PERP, 'sim')]);
    const sim = new SimVenue({ instruments, account: DEFAULT_ACCOUNT });
    const model = new ConsoleModel({ info: snapshot().info });
    const feed = new ManualFeed();
    let started = false;
    const engine = new Engine({
      instruments, execution: sim, account: DEFAULT_ACCOUNT, limits: {},
      strategy: { name: 't', handlers: { onStart: () => { started = true; } }, params: {} }, observers: [model],
    });
    engine.addFeed(feed);
    const done = engine.run();
    await until(() => started, 2000, 'engine start');
    // What an entries sink does (ExecutionClient.connect's third argument): the engine books each once.
    const funding: AccountEntry = { entryId: 'f1', kind: 'funding', symbol: PERP, currency: 'USDT', amount: -1.25, rate: 0.0001, markPrice: 50000, ts: T };
    const liq: AccountEntry = { entryId: 'l1', kind: 'liquidation', symbol: PERP, currency: 'USDT', amount: -12.5, trade: { qty: -0.5, price: 45000 }, ts: T + 60_000 };
    engine.bookAccountEntry(funding);
    engine.bookAccountEntry(liq);
    engine.bookAccountEntry(funding); // the same id again (REST gap fill after the socket): one row
    await until(() => { model.tick(); return model.get().events.some((e) => e.text.includes('liquidation ')); }, 2000, 'entries booked');
    const rows = eventLines(model.get(), 20, 0).lines;
    const f = rows.filter((l) => l.text.includes('funding BTC/USDT:USDT'));
    expect(f).toHaveLength(1);
    expect(f[0]!.text).toMatch(/account +funding BTC\/USDT:USDT -1\.25 USDT \(rate 0\.0001 @ 50000\)/);
    const l = rows.find((x) => x.text.includes('liquidation BTC/USDT:USDT'))!;
    expect(l.text).toMatch(/forced +liquidation BTC\/USDT:USDT sold 0\.5 @ 45000 -12\.5 USDT/);
    expect(l.tone).toBe('bad');
    expect(l.bold).toBe(true);
    // The P&L pane's funding comes from the same books.
    expect(model.get().funding).toBeCloseTo(-1.25, 9);
    engine.stop();
    feed.end();
    await done;
  });
});
