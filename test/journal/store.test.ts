import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, storeDir } from '../../src/journal/store.ts';
import { StoreLockedError } from '../../src/journal/errors.ts';
import { LOCK_FILE, processStartTime } from '../../src/journal/lock.ts';
import type { StoredOrder } from '../../src/journal/state.ts';
import { DurableIds, CLIENT_ID_RULES } from '../../src/orders/client-ids.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'parity-store-'));
const T = Date.UTC(2024, 0, 2, 15);

function order(id: string, status: StoredOrder['status'] = 'submitted'): StoredOrder {
  return {
    clientOrderId: id, venueOrderId: null, request: { symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 }, status, returnTo: null,
    filledQty: 0, avgFillPrice: 0, fees: 0, createdAt: T, updatedAt: T, reason: null, flagged: null, external: false, leftAlone: false, execIds: [], intentWall: null, strategy: 's',
  };
}

describe('store', () => {
  it('belongs to account and venue: a reopened store continues the client id sequence', () => {
    const dir = storeDir(tmp(), 'alpaca', 'PA123');
    const a = Store.open({ dir, venue: 'alpaca', account: 'PA123' });
    expect(a.source).toBe('new');
    const ids = new DurableIds(a.store, 'sma-cross', CLIENT_ID_RULES.okx);
    const first = [ids.next(), ids.next()];
    for (const id of first) a.store.append('intent', { order: order(id), nextSeq: a.store.state.nextSeq }, true);
    a.store.close();
    const b = Store.open({ dir, venue: 'alpaca', account: 'PA123' });
    const ids2 = new DurableIds(b.store, 'sma-cross', CLIENT_ID_RULES.okx);
    const next = ids2.next();
    expect(first).not.toContain(next);
    expect(next.slice(0, 6)).toBe(first[0]!.slice(0, 6)); // same store id
    expect(parseInt(next.slice(6, 12), 36)).toBe(3);
    expect(Object.keys(b.store.state.orders)).toEqual(first);
    b.store.close();
  });

  it('the sequence survives a crash without a snapshot (rebuilt from the journal)', () => {
    const dir = tmp();
    const a = Store.open({ dir, venue: 'sim', account: 'x', snapshotEveryMs: 1e12 });
    const ids = new DurableIds(a.store, 's', CLIENT_ID_RULES.okx);
    const id = ids.next();
    a.store.append('intent', { order: order(id), nextSeq: a.store.state.nextSeq }, true);
    a.store.abandon(); // killed: no snapshot written after the intent
    const b = Store.open({ dir, venue: 'sim', account: 'x' });
    expect(b.store.state.nextSeq).toBe(2);
    expect(b.store.state.orders[id]?.status).toBe('submitted');
    b.store.close();
  });

  it('a snapshot that disagrees with the journal is rebuilt from the journal', () => {
    const dir = tmp();
    const a = Store.open({ dir, venue: 'sim', account: 'x' });
    a.store.append('intent', { order: order('a1'), nextSeq: 2 }, true);
    a.store.close();
    const snapPath = join(dir, 'state.json');
    const snap = JSON.parse(readFileSync(snapPath, 'utf8'));
    snap.state.orders = {}; // a snapshot that lost an order
    snap.journal.hash = 'f'.repeat(64);
    writeFileSync(snapPath, JSON.stringify(snap));
    const b = Store.open({ dir, venue: 'sim', account: 'x' });
    expect(b.source).toBe('journal');
    expect(b.warnings.join()).toMatch(/disagrees with the journal/);
    expect(b.store.state.orders.a1).toBeDefined();
    b.store.close();
  });

  it('refuses a store of another account', () => {
    const dir = tmp();
    Store.open({ dir, venue: 'sim', account: 'x' }).store.close();
    expect(() => Store.open({ dir, venue: 'sim', account: 'y' })).toThrow(/belongs to sim\/x/);
  });

  it('exposes the trading state (kill-switch level included) as a small typed API', () => {
    const dir = tmp();
    const a = Store.open({ dir, venue: 'sim', account: 'x' });
    a.store.tradingState = { status: 'paused', reason: 'kill switch L1', since: T, killSwitchLevel: 1 };
    a.store.close();
    const b = Store.open({ dir, venue: 'sim', account: 'x' });
    expect(b.store.tradingState).toEqual({ status: 'paused', reason: 'kill switch L1', since: T, killSwitchLevel: 1 });
    b.store.close();
  });

  it('keeps history small: terminal orders of earlier days are rotated out with the journal', () => {
    const dir = tmp();
    let wall = T;
    const a = Store.open({ dir, venue: 'sim', account: 'x', wallNow: () => wall });
    a.store.append('intent', { order: order('old'), nextSeq: 2 }, true);
    a.store.append('order', { order: { ...order('old', 'filled') } });
    a.store.append('intent', { order: { ...order('open'), status: 'accepted' as const }, nextSeq: 3 }, true);
    wall = T + 86_400_000; // next day
    a.store.snapshot(true);
    expect(Object.keys(a.store.state.orders)).toEqual(['open']);
    a.store.close();
    const b = Store.open({ dir, venue: 'sim', account: 'x', wallNow: () => wall });
    expect(Object.keys(b.store.state.orders)).toEqual(['open']);
    expect(b.store.state.nextSeq).toBe(3);
    b.store.close();
  });
});

describe('single writer lock', () => {
  it('a second opener in another process is refused and told the pid holding it', async () => {
    const dir = tmp();
    const a = Store.open({ dir, venue: 'sim', account: 'x' });
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e',
      `import('${join(process.cwd(), 'src/journal/store.ts')}').then(m => { try { m.Store.open({ dir: ${JSON.stringify(dir)}, venue: 'sim', account: 'x' }); console.log('opened'); } catch (e) { console.log(e.message); } })`], { encoding: 'utf8' });
    expect(r.stdout).toMatch(new RegExp(`in use by process ${process.pid}`));
    a.store.close();
  });

  it('in the same process, opening twice is refused', () => {
    const dir = tmp();
    const a = Store.open({ dir, venue: 'sim', account: 'x' });
    expect(() => Store.open({ dir, venue: 'sim', account: 'x' })).toThrow(StoreLockedError);
    a.store.close();
  });

  it('a lock left by a killed process is taken over at once', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, ['--import', 'tsx', '-e',
      `import('${join(process.cwd(), 'src/journal/store.ts')}').then(m => { m.Store.open({ dir: ${JSON.stringify(dir)}, venue: 'sim', account: 'x' }); console.log('ready'); setInterval(() => {}, 1000); })`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) res(); }));
    child.kill('SIGKILL');
    await new Promise((res) => child.on('exit', res));
    const t0 = Date.now();
    const b = Store.open({ dir, venue: 'sim', account: 'x' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(b.warnings.join()).toMatch(new RegExp(`left by process ${child.pid}`));
    b.store.close();
  });

  it('a reused pid with a different start time is stale', () => {
    const dir = tmp();
    Store.open({ dir, venue: 'sim', account: 'x' }).store.close();
    // Our parent's pid is alive, but the recorded start time is not its own: pid reuse.
    const ppid = process.ppid;
    const real = processStartTime(ppid);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: ppid, startTime: real === null ? null : `${real}9`, host: 'h', since: 'then' }));
    if (real === null) {
      expect(() => Store.open({ dir, venue: 'sim', account: 'x' })).toThrow(StoreLockedError); // no /proc: pid alone decides
    } else {
      const b = Store.open({ dir, venue: 'sim', account: 'x' });
      expect(b.warnings.join()).toMatch(/took over/);
      b.store.close();
    }
  });
});
