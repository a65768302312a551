/**
 * The crash torture test (issue 3's proof). Two processes, as in production:
 *
 *   parity venue --port 0 --state FILE          the venue; it outlives every crash of the console
 *   parity run --venue alpaca --headless ...    the console, trading test/fixtures/churn.ts
 *
 * The console is killed with SIGKILL again and again on a seeded schedule: at the named crash points
 * (PARITY_CRASH_AT: after journaling an intent and before sending it, after the venue accepted and
 * before the ack is journaled, mid-fill), at random moments while it trades, and at random moments
 * during start-up (inside recovery itself). Between lives the market moves on (bars are pushed to
 * the venue while the console is down, so resting orders fill unseen). It is restarted each time on
 * the same store. Afterwards:
 *
 *   - the venue took each client order id at most once (its own submission counts),
 *   - every id it saw was journaled first, and no decision (the strategy's tag) went out under two ids,
 *   - a final clean start recovers and reconciles with no difference, and the store's orders, the
 *     journal's fills and the venue's orders, positions and cash agree.
 *
 * Deterministic market: bars are pushed by the test (POST /parity/bars), dated in the past.
 * Seed and size: PARITY_TORTURE_SEED, PARITY_TORTURE_CYCLES.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { CRASH_POINTS, type CrashPointName } from '../../src/journal/crash-point.ts';
import { Store, storeDir } from '../../src/journal/store.ts';
import { isTerminal } from '../../src/orders/fsm.ts';
import { fromWireSymbol } from '../../src/venues/alpaca/symbols.ts';
import { mulberry32 } from '../../src/util/random.ts';
import { checkSubmissions, readIntents } from './torture-check.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/parity.js');
const STRATEGY = join(ROOT, 'test/fixtures/churn.ts');
const SEED = Number(process.env.PARITY_TORTURE_SEED ?? 20240107);
const CYCLES = Number(process.env.PARITY_TORTURE_CYCLES ?? 56);
const KEY = 'parity-local-key';
const SECRET = 'parity-local-secret';
const QTY = 0.01;

// ---------- the schedule ----------

export type Kill =
  | { readonly kind: 'point'; readonly point: CrashPointName; readonly hit: number }
  | { readonly kind: 'trading'; readonly afterMs: number }
  | { readonly kind: 'startup'; readonly afterMs: number };

/** Round-robin over the crash points and the two kinds of timed kill; the PRNG picks hits and moments. */
export function killSchedule(seed: number, n: number): Kill[] {
  const rnd = mulberry32(seed);
  const kinds = [...CRASH_POINTS, 'trading', 'startup', ...CRASH_POINTS, 'trading'] as const;
  const out: Kill[] = [];
  for (let i = 0; i < n; i++) {
    const k = kinds[i % kinds.length]!;
    if (k === 'trading') out.push({ kind: 'trading', afterMs: 150 + Math.floor(rnd() * 900) });
    else if (k === 'startup') out.push({ kind: 'startup', afterMs: 300 + Math.floor(rnd() * 900) });
    else out.push({ kind: 'point', point: k, hit: 1 + Math.floor(rnd() * 3) });
  }
  return out;
}

// ---------- processes ----------

interface Proc {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

const children: ChildProcess[] = [];
const tmpDirs: string[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (process.env.PARITY_TORTURE_KEEP === undefined) for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function start(args: string[], env: NodeJS.ProcessEnv, cwd: string): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  child.stderr!.on('data', (d: Buffer) => { for (const l of d.toString().split('\n')) if (l !== '') lines.push(`stderr: ${l}`); });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => { done = true; res({ code, signal }); }));
  return { child, lines, exited, alive: () => !done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait for a line (or the process's end); slow is fine, only a very long silence fails. */
async function waitLine(p: Proc, match: (l: string) => boolean, ms: number): Promise<string | null> {
  const end = Date.now() + ms;
  let from = 0;
  while (Date.now() < end) {
    for (; from < p.lines.length; from++) if (match(p.lines[from]!)) return p.lines[from]!;
    if (!p.alive()) return null;
    await sleep(10);
  }
  return null;
}

interface Msg { kind?: string; source?: string; message?: string; status?: string; reason?: string }
const parse = (l: string): Msg | null => { if (!l.startsWith('{')) return null; try { return JSON.parse(l) as Msg; } catch { return null; } };
const isLog = (source: string, re: RegExp) => (l: string) => { const m = parse(l); return m !== null && m.source === source && re.test(m.message ?? ''); };

// ---------- the venue ----------

class Venue {
  private t = Date.UTC(2024, 0, 7, 0, 0, 0);
  private i = 0;
  constructor(readonly url: string) {}

  async get<T>(path: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${this.url}${path}`, { headers: { 'APCA-API-KEY-ID': KEY, 'APCA-API-SECRET-KEY': SECRET } });
        if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
        return (await res.json()) as T;
      } catch (err) {
        if (attempt >= 5) throw err;
        await sleep(100);
      }
    }
  }

  /** One one-minute bar of a slow zigzag: limits a little off the close fill every few bars. */
  async bar(): Promise<void> {
    this.t += 60_000;
    const c = Math.round((100 + 3 * Math.sin(this.i++ / 3)) * 100) / 100;
    const body = { bars: [{ S: 'BTC/USD', t: this.t, o: c, h: Math.round((c + 0.5) * 100) / 100, l: Math.round((c - 0.5) * 100) / 100, c, v: 10 }] };
    const res = await fetch(`${this.url}/parity/bars`, { method: 'POST', body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`push bar: ${res.status} ${await res.text()}`);
  }
}

interface Tally {
  cycles: number;
  byKind: Record<string, { planned: number; fired: number }>;
  resent: number;
  lost: number;
  adopted: number;
  settled: number;
  restarts: number;
  startReconcileDiffs: string[];
  gateFailures: string[];
  orders: number;
  fills: number;
}

describe('crash torture: SIGKILL the console on a seeded schedule, restart it on the same store', () => {
  it('the checker flags a double submission, a decision under two ids and an undurable send (it can fail)', () => {
    const intents = [
      { clientOrderId: 'a1', tag: 't1', seq: 1 },
      { clientOrderId: 'a2', tag: 't2', seq: 2 },
    ];
    expect(checkSubmissions(intents, { submissions: { a1: 1, a2: 2 }, duplicates: { a2: 1 } })).toEqual([]);
    expect(checkSubmissions(intents, { submissions: { a1: 2 }, duplicates: {} })).toEqual(['a1: the venue took it 2 times']);
    expect(checkSubmissions([...intents, { clientOrderId: 'a3', tag: 't1', seq: 3 }], { submissions: { a1: 1, a3: 1 }, duplicates: {} }))
      .toEqual(['decision t1 was sent under 2 client order ids: a1, a3']);
    expect(checkSubmissions(intents, { submissions: { zz: 1 }, duplicates: {} })).toEqual(['zz: reached the venue without a journaled intent']);
  });

  it('the schedule is seeded and covers every crash point and both timed kinds', () => {
    const s = killSchedule(SEED, CYCLES);
    expect(killSchedule(SEED, CYCLES)).toEqual(s);
    const full = killSchedule(SEED, 56);
    expect(full.length).toBeGreaterThanOrEqual(50);
    for (const p of CRASH_POINTS) expect(full.filter((k) => k.kind === 'point' && k.point === p).length).toBeGreaterThanOrEqual(10);
    expect(full.filter((k) => k.kind === 'trading').length).toBeGreaterThanOrEqual(10);
    expect(full.filter((k) => k.kind === 'startup').length).toBeGreaterThanOrEqual(5);
  });

  it(`${CYCLES} kills, then: each id at most once at the venue, no decision twice, books equal the venue's`, async () => {
    const t0 = Date.now();
    const dir = mkdtempSync(join(tmpdir(), 'parity-torture-'));
    tmpDirs.push(dir);
    const baseEnv: NodeJS.ProcessEnv = { ...process.env, ALPACA_KEY_ID: KEY, ALPACA_SECRET_KEY: SECRET };
    delete baseEnv.PARITY_CRASH_AT;
    const v = start(['venue', '--port', '0', '--state', join(dir, 'venue.json'), '--quiet'], baseEnv, dir);
    const listening = await waitLine(v, (l) => /^listening 127\.0\.0\.1:\d+$/.test(l), 30_000);
    expect(listening, `venue did not start: ${v.lines.join('\n')}`).not.toBeNull();
    const venue = new Venue(`http://${listening!.slice('listening '.length)}`);
    const account = await venue.get<{ id: string }>('/v2/account');
    const env = { ...baseEnv, ALPACA_BASE_URL: venue.url };
    const stateDir = join(dir, 'state');
    const runArgs = ['run', '--venue', 'alpaca', '--headless', '--symbol', 'BTC-USD', '-s', STRATEGY, '-p', `qty=${QTY}`,
      '--sessions-dir', join(dir, 'sessions'), '--state-dir', stateDir];
    const ready = isLog('gates', /^(PASS|WARN|FAIL) Risk limits/);

    const rnd = mulberry32(SEED ^ 0x5eed);
    const tally: Tally = { cycles: 0, byKind: {}, resent: 0, lost: 0, adopted: 0, settled: 0, restarts: 0, startReconcileDiffs: [], gateFailures: [], orders: 0, fills: 0 };
    const note = (p: Proc) => {
      for (const l of p.lines) {
        const m = parse(l);
        if (m === null) continue;
        if (m.kind === 'fill') tally.fills++;
        if (m.kind === 'order' && (m as { event?: string }).event === 'submit') tally.orders++;
        if (m.source === 'recovery' && m.message?.startsWith('recovered:') === true) {
          const n = (re: RegExp) => Number(re.exec(m.message!)?.[1] ?? 0);
          tally.restarts++;
          tally.settled += n(/(\d+) settled/);
          tally.resent += n(/(\d+) resent/);
          tally.lost += n(/(\d+) lost/);
          tally.adopted += n(/(\d+) external adopted/);
        }
        if (m.source === 'reconcile' && /difference/.test(m.message ?? '')) tally.startReconcileDiffs.push(m.message!);
        if (m.source === 'gates' && m.message?.startsWith('FAIL') === true) tally.gateFailures.push(m.message);
      }
    };

    for (const [i, kill] of killSchedule(SEED, CYCLES).entries()) {
      const key = kill.kind === 'point' ? kill.point : kill.kind;
      const k = (tally.byKind[key] ??= { planned: 0, fired: 0 });
      k.planned++;
      const c = start(runArgs, kill.kind === 'point' ? { ...env, PARITY_CRASH_AT: `${kill.point}:${kill.hit}` } : env, dir);
      let killedByUs = false;
      const killNow = () => { if (c.alive()) { killedByUs = true; c.child.kill('SIGKILL'); } };
      if (kill.kind === 'startup') {
        // Somewhere in start-up: loading the store, recovery's queries, the resend, the gates.
        await sleep(kill.afterMs);
        killNow();
      } else {
        const up = await waitLine(c, ready, 60_000);
        if (up !== null) {
          const until = kill.kind === 'trading' ? Date.now() + kill.afterMs : Date.now() + 4000;
          while (c.alive() && Date.now() < until) {
            await venue.bar();
            await sleep(25 + Math.floor(rnd() * 30));
          }
          // A crash point not reached within the budget: a timed kill instead (counted as not fired).
          if (kill.kind === 'point' && c.alive()) await sleep(300);
        }
        killNow();
      }
      const how = await c.exited;
      expect(how.signal, `cycle ${i} (${key}) ended by itself: ${c.lines.slice(-15).join('\n')}`).toBe('SIGKILL');
      // Fired: a crash point killed the process itself; a timed kill was delivered while it ran.
      if (kill.kind === 'point' ? !killedByUs : killedByUs) k.fired++;
      note(c);
      tally.cycles++;
      // The market moves on while the console is down: resting orders may fill unseen.
      const gap = Math.floor(rnd() * 3);
      for (let b = 0; b < gap; b++) await venue.bar();
    }

    // A final clean life: recovery, then the start-up reconciliation and the state-coherence gate.
    const last = start(runArgs, env, dir);
    const reconciled = await waitLine(last, isLog('reconcile', /^start: /), 60_000);
    const gate = await waitLine(last, isLog('gates', / State coherence/), 60_000);
    last.child.kill('SIGTERM');
    await last.exited;
    note(last);
    expect(reconciled, `no start-up reconciliation: ${last.lines.slice(-20).join('\n')}`).not.toBeNull();
    expect(parse(reconciled!)!.message).toBe('start: clean (orders, positions and cash agree with the venue)');
    expect(parse(gate!)!.message).toMatch(/^PASS State coherence/);

    // 1. Each client order id at most once; every id journaled first; no decision under two ids.
    const sd = storeDir(stateDir, 'alpaca', account.id);
    const intents = readIntents(sd);
    const stats = await venue.get<{ submissions: Record<string, number>; duplicates: Record<string, number> }>('/parity/stats');
    expect(checkSubmissions(intents, stats)).toEqual([]);

    // 2. The store's books equal the venue's.
    const vOrders = await venue.get<{ client_order_id: string; status: string; filled_qty: string; symbol: string }[]>('/v2/orders?status=all&limit=500');
    const vOpen = await venue.get<{ client_order_id: string }[]>('/v2/orders?status=open&limit=500');
    const vPos = await venue.get<{ symbol: string; qty: string }[]>('/v2/positions');
    const vAcct = await venue.get<{ cash: string }>('/v2/account');
    const { store } = Store.open({ dir: sd, venue: 'alpaca', account: account.id });
    try {
      const st = store.state;
      const ours = Object.values(st.orders);
      const openOurs = ours.filter((o) => !isTerminal(o.status)).map((o) => o.clientOrderId).sort();
      expect(openOurs).toEqual(vOpen.map((o) => o.client_order_id).sort());
      const byCid = new Map(vOrders.map((o) => [o.client_order_id, o]));
      for (const o of ours) {
        const at = byCid.get(o.clientOrderId);
        if (o.status === 'denied' || o.status === 'lost') {
          expect(at, `${o.clientOrderId} is ${o.status} in the store but the venue has it`).toBeUndefined();
          continue;
        }
        expect(at, `${o.clientOrderId} (${o.status}) is unknown at the venue`).toBeDefined();
        expect(o.filledQty, `${o.clientOrderId} filled quantity`).toBeCloseTo(Number(at!.filled_qty), 9);
      }
      for (const o of vOrders) expect(st.orders[o.client_order_id], `venue order ${o.client_order_id} not in the store`).toBeDefined();
      const venuePos = Object.fromEntries(vPos.map((p) => [fromWireSymbol(p.symbol), Number(p.qty)]));
      const storePos = Object.fromEntries(Object.values(st.positions).map((p) => [p.symbol, p.qty]));
      expect(storePos).toEqual(venuePos);
      expect(st.cash?.USD ?? NaN).toBeCloseTo(Number(vAcct.cash), 6);
    } finally {
      store.close();
    }

    const secs = (Date.now() - t0) / 1000;
    const summary = { seed: SEED, wallSeconds: Math.round(secs), ...tally, intents: intents.length, venueSubmissions: Object.keys(stats.submissions).length,
      venueDuplicatesRefused: Object.values(stats.duplicates).reduce((a, b) => a + b, 0) };
    console.log(`crash torture: ${JSON.stringify(summary)}`);
    // The schedule really crashed the console at each named point, and it really traded.
    // (Thresholds scale with PARITY_TORTURE_CYCLES; the default run needs 5 self-kills per point.)
    const scale = CYCLES / 56;
    for (const p of CRASH_POINTS) expect(tally.byKind[p]!.fired, `crash point ${p} fired`).toBeGreaterThanOrEqual(Math.max(1, Math.floor(5 * scale)));
    expect(intents.length).toBeGreaterThanOrEqual(Math.floor(50 * scale));
    expect(tally.fills).toBeGreaterThanOrEqual(Math.floor(20 * scale));
    v.child.kill('SIGTERM');
    await v.exited;
  }, 240_000);
});
