/**
 * Hostile, whole session: orders and executions on the account that parity never placed (another API
 * client, a manual TWS order, a console on ANOTHER store whose ids have parity's form) reach
 * reconciliation as external orders, are never booked as parity's and never duplicated.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.ts';
import { startIbkr, type IbkrSession } from '../../src/modes/ibkr.ts';
import { sleep, until } from './ibkr-harness.ts';
import { errorMsg, execMsg, HostileTws } from './tws-hostile-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function session(extra: { commissionWaitMs?: number; tws?: HostileTws; dir?: string } = {}): Promise<{ tws: HostileTws; s: IbkrSession; logs: string[]; dir: string; stop: () => Promise<void> }> {
  const tws = extra.tws ?? await HostileTws.start({ accounts: 'DU1234567' });
  if (extra.tws === undefined) cleanups.push(() => tws.close());
  // History: "no data" at once (the session starts cold rather than waiting for a timeout).
  const orig = (tws as unknown as { handle: (c: unknown, f: string[]) => void }).handle.bind(tws);
  (tws as unknown as { handle: (c: { send: (f: unknown[]) => void }, f: string[]) => void }).handle = (c, f) => {
    if (Number(f[0]) === 20) { c.send(errorMsg(Number(f[1]), 162, 'Historical Market Data Service error message:HMDS query returned no data')); return; }
    orig(c, f);
  };
  const dir = extra.dir ?? mkdtempSync(join(tmpdir(), 'parity-ibkr-hostile-'));
  const config = ConfigSchema.parse({
    strategy: { file: join(ROOT, 'strategies/sma-cross.ts'), params: { fast: 2, slow: 4, qty: 1 } }, data: { files: [] },
    run: { sessionsDir: join(dir, 'sessions') }, ibkr: { port: tws.port, clientId: 11 },
  });
  const logs: string[] = [];
  const s = await startIbkr(config, [{ onLog: (l) => { logs.push(`${l.source}: ${l.message}`); } }], {
    live: false, symbols: ['AAPL'], stateDir: join(dir, 'state'), reconcilePeriodMs: 0, reconnectInitialMs: 30, reconnectMaxMs: 100,
    random: () => 0.5, heartbeatMs: 0, commissionWaitMs: extra.commissionWaitMs ?? 200,
  });
  let stopped = false;
  const stop = async (): Promise<void> => { if (stopped) return; stopped = true; s.engine.stop(); await s.done.catch(() => undefined); s.execution.disconnect(); };
  cleanups.push(stop);
  await s.recovered;
  // Warm-up over (a drop during its history request is its own test: ibkr-errors).
  await until(() => logs.some((l) => /history for AAPL/.test(l)), 'warm-up done', 3000, () => logs.join('\n'));
  return { tws, s, logs, dir, stop };
}


describe('IBKR hostile session: orders parity never placed', () => {
  it('working at TWS before the start (a manual order, another store\'s id): adopted as external, not ours; their fills book nothing', async () => {
    const tws = await HostileTws.start({ accounts: 'DU1234567' });
    cleanups.push(() => tws.close());
    // Another console's store ("zzzzzz") on the same account: parity's id form, not this store's.
    const other = 'zzzzzz00000asmacross';
    tws.open.set(950, { orderId: 950, orderRef: 'manual-hedge', clientId: 0, qty: 5, lmtPrice: 90 });
    tws.open.set(951, { orderId: 951, orderRef: other, clientId: 12, qty: 3, lmtPrice: 91 });
    const { s, logs } = await session({ tws });
    await until(() => s.engine.orders.get('manual-hedge') !== undefined && s.engine.orders.get(other) !== undefined, 'adopted', 3000, () => logs.join('\n'));
    expect(s.engine.orders.get('manual-hedge')?.external).toBe(true);
    expect(s.engine.orders.get(other)?.external).toBe(true);
    // Their executions arrive on the stream: not parity's fills.
    tws.send(execMsg({ orderId: 950, execId: '00ee.01', orderRef: 'manual-hedge', shares: 5, price: 90, clientId: 0 }));
    tws.send(execMsg({ orderId: 951, execId: '00ee.02', orderRef: other, shares: 3, price: 91, clientId: 12 }));
    await sleep(300);
    expect(s.engine.portfolio.qty('AAPL')).toBe(0);
    expect(logs.filter((l) => /report for unknown client order id/.test(l))).toEqual([]);
    expect(logs.some((l) => /00ee\.01/.test(l) && /not placed by parity/.test(l))).toBe(true);
    expect(logs.some((l) => /00ee\.02/.test(l) && /not placed by parity/.test(l))).toBe(true);
    expect(tws.placed).toEqual([]);
  });
});
