/**
 * Hostile bills (OKX account/bills) and a hostile cancel-all-after against the real adapter and the
 * real dead-man switch: funding heard twice, a bill posted late with an earlier time, a bill type the
 * profile does not know, a liquidation bill whose sub type is new, and refreshes that fail or hang.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DeadManSwitch, OKX_PROFILE, createExchange } from '../../src/venues/ccxt/index.ts';
import { WallScheduler } from '../../src/ports/scheduler.ts';
import { billJson, okxErr, startHostile, type Hostile } from './okx-hostile-server.ts';
import { rig, settingsOf, sleep, until, type Rig } from './okx-harness.ts';

const rigs: Rig[] = [];
const hs: Hostile[] = [];
const dms: DeadManSwitch[] = [];
afterEach(async () => {
  for (const d of dms.splice(0)) await d.stop(false);
  for (const r of rigs.splice(0)) await r.close();
  for (const h of hs.splice(0)) await h.close();
});
const make = async (o: Parameters<typeof rig>[0] = {}): Promise<Rig> => { const r = await rig(o); rigs.push(r); return r; };
const now = Date.now();

describe('OKX bills: hostile ledger', () => {
  it('a funding bill heard on two pulls (and after a restart) is booked once', async () => {
    const r = await make();
    r.h.bills.push(billJson({ billId: 'f1', type: '8', subType: '173', balChg: '-0.25', pnl: '-0.25', ts: now + 1000 }));
    await r.exec.pullEntries();
    await r.exec.pullEntries();
    await r.exec.recover('test');
    await r.exec.idle();
    expect(r.entries.map((e) => e.entryId)).toEqual(['f1']);
    expect(r.entries[0]).toMatchObject({ kind: 'funding', amount: -0.25, symbol: 'BTC/USDT:USDT' });
  });

  it('funding heard twice at once (a position push starts a pull while the timer\'s pull runs) is booked once', async () => {
    const r = await make();
    r.h.bills.push(billJson({ billId: 'f9', type: '8', subType: '173', balChg: '-0.5', ts: now + 1000 }));
    const pos = { instType: 'SWAP', instId: 'BTC-USDT-SWAP', mgnMode: 'cross', posId: 'p1', posSide: 'net', pos: '2', avgPx: '50000', ccy: 'USDT', fundingFee: '-0.5', uTime: String(now + 1000), cTime: String(now) };
    r.h.push('positions', [pos]);
    const a = r.exec.pullEntries();
    r.h.push('positions', [pos]);
    await a;
    await sleep(300);
    await r.exec.idle();
    expect(r.entries.map((e) => e.entryId)).toEqual(['f9']);
  });

  it('a bill the venue posts late, dated minutes before the newest one we have, is still booked', async () => {
    const r = await make();
    r.h.bills.push(billJson({ billId: 'f2', type: '8', subType: '173', balChg: '-0.1', ts: now + 10 * 60_000 }));
    await r.exec.pullEntries();
    // OKX dates a funding bill at the funding time, and may post it after a later bill.
    r.h.bills.push(billJson({ billId: 'f3', type: '8', subType: '174', balChg: '0.3', ts: now + 5 * 60_000 }));
    await r.exec.pullEntries();
    await r.exec.pullEntries();
    expect(r.entries.map((e) => e.entryId).sort()).toEqual(['f2', 'f3']);
  });

  it('a bill of a type the profile does not know, moving cash (OKX type 7, interest deduction), is not silently dropped', async () => {
    const r = await make();
    r.h.bills.push(billJson({ billId: 'u1', type: '7', subType: '9', balChg: '-12.5', ts: now + 1000 }));
    await r.exec.pullEntries();
    const booked = r.entries.some((e) => e.entryId === 'u1');
    const named = r.problems.some((p) => p.includes('u1'));
    expect(booked || named).toBe(true);
  });

  it('one liquidation bill with a sub type the profile does not know does not block the funding bills around it', async () => {
    const r = await make();
    r.h.bills.push(billJson({ billId: 'L1', type: '5', subType: '777', balChg: '-40', pnl: '-30', sz: '2', px: '48000', ts: now + 2000 }));
    r.h.bills.push(billJson({ billId: 'f4', type: '8', subType: '173', balChg: '-0.2', ts: now + 3000 }));
    await r.exec.pullEntries().catch(() => undefined);
    await r.exec.pullEntries().catch(() => undefined);
    expect(r.entries.map((e) => e.entryId)).toContain('f4');
  });

  it('a liquidation bill with "" for its size books no trade and no NaN', async () => {
    const r = await make();
    r.h.bills.push(billJson({ billId: 'L2', type: '5', subType: '100', balChg: '-5', pnl: '', sz: '', px: '', ts: now + 1000 }));
    await r.exec.pullEntries().catch(() => undefined);
    for (const e of r.entries) expect(Number.isFinite(e.amount)).toBe(true);
  });
});

describe('OKX dead-man switch: hostile cancel-all-after', () => {
  async function switchOn(h: Hostile): Promise<{ dm: DeadManSwitch; events: string[] }> {
    const ex = await createExchange(OKX_PROFILE, settingsOf(h), { enableRateLimit: false });
    await ex.loadMarkets();
    const events: string[] = [];
    const tag = OKX_PROFILE.deadMan!.tag!;
    const dm = new DeadManSwitch({
      profile: OKX_PROFILE.deadMan!, timeoutSec: 10, refreshSec: 1, scheduler: new WallScheduler(),
      // The same call src/modes/ccxt.ts makes.
      call: (ms) => ex.cancelAllOrdersAfter(ms, { [tag.param]: 'parity' }),
      onEvent: (level, m) => events.push(`${level} ${m}`),
    });
    dms.push(dm);
    return { dm, events };
  }

  it('a refresh answered with an error (code 50001 under HTTP 200) turns the state to failing, and the status says why', async () => {
    const h = await startHostile();
    hs.push(h);
    const { dm, events } = await switchOn(h);
    await dm.start();
    expect(dm.view().state).toBe('armed');
    h.routes.push((q) => (q.path === 'trade/cancel-all-after' ? okxErr('50001', 'Service temporarily unavailable') : undefined));
    await until('failing', () => dm.view().state === 'failing', 4000);
    expect(dm.view().detail ?? '').toMatch(/50001|unavailable/i);
    expect(events.some((e) => e.startsWith('warn'))).toBe(true);
  });

  it('a refresh whose answer says the countdown is off (triggerTime "0") while we asked to arm is not "armed"', async () => {
    const h = await startHostile();
    hs.push(h);
    h.routes.push((q) => (q.path === 'trade/cancel-all-after' ? { status: 200, body: { code: '0', msg: '', data: [{ triggerTime: '0', tag: 'parity', ts: String(Date.now()) }] } } : undefined));
    const { dm } = await switchOn(h);
    await dm.start();
    expect(dm.view().state).not.toBe('armed');
  });

  it('a refresh that hangs (no answer, socket open) turns the state to failing within a few refresh periods, before the switch fires', async () => {
    const h = await startHostile();
    hs.push(h);
    const { dm } = await switchOn(h);
    await dm.start();
    h.routes.push((q) => (q.path === 'trade/cancel-all-after' ? 'hang' : undefined));
    await sleep(3500);
    // Three 1 s refreshes have not got through: the venue fires at expiresAt unless one does.
    expect(dm.view().state).toBe('failing');
  });
});
