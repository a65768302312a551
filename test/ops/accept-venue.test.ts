/**
 * "Accept venue state" from a second terminal: `parity ctl accept-venue` goes through the control
 * socket and the command bus (the same path as the console's `a a`), repairs the books from the
 * venue, lifts the reconciliation hold, and re-runs a start-up state gate that failed on the diff.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ctl } from '../../src/cli/ctl.ts';
import { isCommandName } from '../../src/ops/commands.ts';
import { sendCommand } from '../../src/ops/control-socket.ts';
import { ReconcileService, summarizeReconcile } from '../../src/ops/reconcile.ts';
import { ManualScheduler } from '../../src/ports/scheduler.ts';
import { BTC, type Rig, makeRig, tempDir } from './rig.ts';

const rigs: Rig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.stop(); });

async function setup(): Promise<{ r: Rig; rec: ReconcileService; sched: ManualScheduler }> {
  let rec: ReconcileService | null = null;
  const r = await makeRig({
    ops: {
      acceptVenue: (by) => rec!.acceptVenue(by),
      // The rig's first gate run comes before the reconciler exists (the engine is not built yet).
      reconcile: async () => (rec === null ? { clean: true, at: 0, lines: [] } : summarizeReconcile(await rec.reconcileConfirmed('start'))),
    },
  });
  rigs.push(r);
  const sched = new ManualScheduler(1_700_000_000_000);
  rec = new ReconcileService(r.engine, {
    scheduler: sched,
    pause: (why) => r.ops.guard.hold('reconcile', 'paused', why),
    resume: (why) => { r.ops.guard.release((k) => k === 'reconcile', why); },
  });
  r.engine.addObserver(rec);
  rec.onResult((x) => r.ops.showReconciliation(summarizeReconcile(x)));
  return { r, rec, sched };
}

describe('accept-venue through the command bus', () => {
  it('is a command the control socket accepts', () => {
    expect(isCommandName('accept-venue')).toBe(true);
  });

  it('parity ctl accept-venue repairs the books, lifts the reconciliation hold and re-runs a failed state gate', async () => {
    const { r, rec, sched } = await setup();
    expect(r.engine.tradingState().status).toBe('active');
    // The venue holds half a bitcoin parity never heard of (a fill the stream never reported).
    r.venue.restoreBooks({ USD: 70_000 }, [{ instrument: BTC, qty: 0.5, avgPrice: 60_000 }]);
    // The gates re-run (as after a reconnect or `g`): the state gate compares, re-checks, and fails.
    const gates = r.ops.rerunGates();
    await sched.advance(6_000);
    const g = await gates;
    expect(g.find((x) => x.id === 'state')!.status).toBe('fail');
    expect(g.find((x) => x.id === 'state')!.detail).toMatch(/confirmed by a re-check.*the venue holds 0\.5 BTC-USD/);
    expect(rec.isPaused()).toBe(true);
    expect(r.engine.tradingState().status).toBe('halted');
    // The pane shows what the reconciler found, not only what `r` asked for.
    expect(r.ops.view().reconciliation).toMatchObject({ clean: false, status: 'confirmed' });

    const env = { PARITY_RUNTIME_DIR: tempDir('prt-') };
    const server = await r.ops.startControl({ id: 'acc123', name: 'accept-session', dir: tempDir('parity-session-') }, env);
    const res = await sendCommand(server.socket, 'accept-venue', { resultMs: 10_000 });
    expect(res.result).toMatchObject({ ok: true, command: 'accept-venue' });
    expect(res.result!.message).toMatch(/books now agree with the venue/);
    expect(r.engine.portfolio.positionsList().map((p) => [p.symbol, p.qty])).toEqual([['BTC-USD', 0.5]]);
    expect(r.engine.portfolio.account().cashByCurrency.USD).toBeCloseTo(70_000, 6);
    expect(r.ops.guard.has('reconcile')).toBe(false);
    expect(r.ops.guard.has('gates')).toBe(false);
    expect(r.engine.tradingState().status).toBe('active');
    expect(r.ops.view().reconciliation).toMatchObject({ clean: true });
  });

  it('the ctl command prints the result and exits 0', async () => {
    const { r } = await setup();
    r.venue.restoreBooks({ USD: 99_000 }, []);
    const env = { PARITY_RUNTIME_DIR: tempDir('prt-') };
    await r.ops.startControl({ id: 'ctl456', name: 'ctl-session', dir: tempDir('parity-session-') }, env);
    const prev = process.env['PARITY_RUNTIME_DIR'];
    process.env['PARITY_RUNTIME_DIR'] = env.PARITY_RUNTIME_DIR;
    const out: string[] = [];
    const w = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await ctl('accept-venue', { timeout: '10000' });
      expect(out.join('')).toMatch(/accept-venue: ok — venue state accepted: 1 difference\(s\) repaired/);
      expect(code).toBe(0);
    } finally {
      w.mockRestore();
      e.mockRestore();
      if (prev === undefined) delete process.env['PARITY_RUNTIME_DIR']; else process.env['PARITY_RUNTIME_DIR'] = prev;
    }
    expect(r.engine.portfolio.account().cashByCurrency.USD).toBeCloseTo(99_000, 6);
  });

  it('without a reconciler the command says it is not available', async () => {
    const r = await makeRig();
    rigs.push(r);
    const res = await r.ops.bus.dispatch({ command: 'accept-venue', by: 'test' });
    expect(res).toMatchObject({ ok: false, command: 'accept-venue' });
    expect(res.message).toMatch(/not available/);
  });
});
