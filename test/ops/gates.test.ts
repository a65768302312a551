import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { usEquitySession } from '../../src/domain/market-hours.ts';
import { DEFAULT_GATES, gateHoldReason } from '../../src/ops/gates/index.ts';
import type { Gate } from '../../src/ops/gates/types.ts';
import { accountStateDir } from '../../src/ops/kill-state.ts';
import { processStartTime } from '../../src/journal/lock.ts';
import { type Rig, makeRig, tempDir } from './rig.ts';

const rigs: Rig[] = [];
const rig = async (...a: Parameters<typeof makeRig>) => { const r = await makeRig(...a); rigs.push(r); return r; };
afterEach(async () => { for (const r of rigs.splice(0)) await r.stop(); });

describe('pre-flight gates', () => {
  it('pass on the simulated venue under a replay clock; missing risk limits only warn in paper', async () => {
    const r = await rig();
    const g = await r.ops.firstGates();
    const by = Object.fromEntries(g.map((x) => [x.id, x.status]));
    expect(by).toEqual({ environment: 'pass', clock: 'pass', auth: 'pass', state: 'pass', market: 'pass', risk: 'warn', eligibility: 'pass' });
    expect(g.find((x) => x.id === 'risk')!.fix).toMatch(/maxOrderNotional/);
    expect(r.engine.tradingState().status).toBe('active');
  });

  it('fail on missing risk limits in live mode, and the engine places no order', async () => {
    const r = await rig({ mode: 'live', handlers: { onBar: (_b, ctx) => { ctx.submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 0.1 }); } } });
    const g = await r.ops.firstGates();
    expect(g.find((x) => x.id === 'risk')!.status).toBe('fail');
    expect(r.engine.tradingState()).toMatchObject({ status: 'halted' });
    expect(r.engine.tradingState().reason).toMatch(/pre-flight gate Risk limits failed/);
    await r.bars(0, [100, 101]);
    const orders = [...r.engine.orders.all()];
    expect(orders.length).toBe(2);
    expect(orders.every((o) => o.status === 'denied')).toBe(true);
    // resume does not lift a failing gate
    const res = await r.ops.bus.dispatch({ command: 'resume', by: 'test' });
    expect(res.ok).toBe(false);
    expect(res.message).toMatch(/Risk limits/);
  });

  it('a gate fixed and re-run lifts the halt', async () => {
    let ok = false;
    const flaky: Gate = { id: 'x', title: 'Flaky', check: () => (ok ? { status: 'pass', detail: 'fine', fix: '' } : { status: 'fail', detail: 'broken', fix: 'fix it' }) };
    const r = await rig({ gates: [flaky] });
    expect(r.engine.tradingState().status).toBe('halted');
    ok = true;
    await r.ops.rerunGates();
    expect(r.engine.tradingState().status).toBe('active');
  });

  it('a gate that throws fails with the reason', async () => {
    const boom: Gate = { id: 'b', title: 'Boom', check: () => { throw new Error('kaput'); } };
    const r = await rig({ gates: [boom] });
    expect((await r.ops.firstGates())[0]).toMatchObject({ status: 'fail', detail: expect.stringMatching(/kaput/) });
    expect(gateHoldReason(await r.ops.firstGates())).toMatch(/Boom failed/);
  });

  it('environment fails when another live console holds the state store', async () => {
    const root = tempDir('parity-lock-');
    const dir = accountStateDir(root, 'sim', 'test');
    mkdirSync(dir, { recursive: true });
    const other = process.ppid; // a live process that is not us
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: other, startTime: processStartTime(other), host: '', since: '2026-01-01T00:00:00Z' }));
    const r = await rig({ stateRoot: root, gates: DEFAULT_GATES.filter((g) => g.id === 'environment') });
    const g = (await r.ops.firstGates())[0]!;
    expect(g.status).toBe('fail');
    expect(g.detail).toMatch(new RegExp(`another console \\(pid ${other}`));
  });

  it('takes over a stale lock whose pid is dead', async () => {
    const root = tempDir('parity-lock-');
    const dir = accountStateDir(root, 'sim', 'test');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: 2 ** 22 + 12345, startTime: null, host: '', since: '2026-01-01T00:00:00Z' }));
    const r = await rig({ stateRoot: root, gates: DEFAULT_GATES.filter((g) => g.id === 'environment') });
    expect((await r.ops.firstGates())[0]!.status).toBe('pass');
  });
});

describe('US equity calendar', () => {
  it('knows sessions, weekends, holidays and early closes', () => {
    expect(usEquitySession(Date.UTC(2024, 0, 2, 15, 0)).open).toBe(true); // Tue 10:00 EST
    expect(usEquitySession(Date.UTC(2024, 0, 2, 14, 29)).detail).toMatch(/before the 09:30 open/);
    expect(usEquitySession(Date.UTC(2024, 6, 4, 15, 0)).detail).toMatch(/Independence Day/);
    expect(usEquitySession(Date.UTC(2025, 0, 9, 16, 0)).detail).toMatch(/Mourning/);
    expect(usEquitySession(Date.UTC(2024, 10, 29, 18, 30)).detail).toMatch(/13:00 early close/); // 13:30 EST day after Thanksgiving
    expect(usEquitySession(Date.UTC(2024, 6, 1, 19, 59)).open).toBe(true); // 15:59 EDT
    expect(usEquitySession(Date.UTC(2024, 6, 1, 20, 0)).open).toBe(false); // 16:00 EDT
    expect(usEquitySession(Date.UTC(2024, 2, 9, 15, 0)).detail).toMatch(/weekend/);
    expect(usEquitySession(Date.UTC(2030, 0, 2, 15, 0)).holidaysKnown).toBe(false);
  });
});
