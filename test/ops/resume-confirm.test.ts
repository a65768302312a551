/**
 * Item 5 of issue 10: resuming is deliberate. From a halt, from kill level 3/4 or from the engine's
 * own stop (loss limit, strategy error) the command bus refuses a resume that is not confirmed, and
 * says how to confirm; a new trading day allows a resume but never performs one. L1/L2 resume at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIRM_ARG, resumeNeedsConfirm } from '../../src/ops/commands.ts';
import { type Rig, makeRig } from './rig.ts';

const rigs: Rig[] = [];
const rig = async (...a: Parameters<typeof makeRig>) => { const r = await makeRig(...a); rigs.push(r); return r; };
afterEach(async () => { for (const r of rigs.splice(0)) await r.stop(); });

const DAY = 1440; // bars are a minute apart

describe('resume needs a confirm from a halt or L3/L4', () => {
  it('a loss-limit stop stays through the day rollover and lifts only on a confirmed resume', async () => {
    const r = await rig({ limits: { maxDailyLoss: 50 } });
    await r.bars(0, [100]);
    r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 10 });
    await r.bars(1, [100, 90]);
    const more = r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 1 });
    expect(r.engine.orders.get(more)!.status).toBe('denied');
    expect(r.engine.tradingState().status).toBe('paused');
    expect(r.engine.tradingState().reason).toMatch(/daily loss/);

    const plain = await r.ops.bus.dispatch({ command: 'resume', by: 'test' });
    expect(plain.ok).toBe(false);
    expect(plain.message).toMatch(/daily loss/);
    expect(plain.message).toMatch(/--confirm/);
    expect(r.engine.tradingState().status).toBe('paused');

    // The next trading day: the limit counts from a new day, but nothing resumes by itself.
    await r.bars(DAY + 1, [90, 91]);
    expect(r.engine.tradingState().status).toBe('paused');
    const nextDay = r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 1 });
    expect(r.engine.orders.get(nextDay)!.status).toBe('denied');

    const ok = await r.ops.bus.dispatch({ command: 'resume', by: 'test', args: [CONFIRM_ARG] });
    expect(ok.ok).toBe(true);
    expect(r.engine.tradingState().status).toBe('active');
  });

  it('L3 needs the confirm; L1 resumes at once', async () => {
    const r = await rig();
    await r.bars(0, [100]);
    await r.ops.bus.dispatch({ command: 'flatten', by: 'test' });
    expect(r.ops.kill.level()).toBe(3);
    const plain = await r.ops.bus.dispatch({ command: 'resume', by: 'test' });
    expect(plain.ok).toBe(false);
    expect(plain.message).toMatch(/L3/);
    expect(r.ops.kill.level()).toBe(3);
    expect((await r.ops.bus.dispatch({ command: 'resume', by: 'test', args: [CONFIRM_ARG] })).ok).toBe(true);
    expect(r.ops.kill.level()).toBe(0);

    await r.ops.bus.dispatch({ command: 'pause', by: 'test' });
    const one = await r.ops.bus.dispatch({ command: 'resume', by: 'test' });
    expect(one.ok).toBe(true);
    expect(r.engine.tradingState().status).toBe('active');
  });

  it('a halt the engine made needs the confirm', async () => {
    const r = await rig();
    await r.bars(0, [100]);
    r.engine.setTradingState('halted', 'journal not writable');
    const plain = await r.ops.bus.dispatch({ command: 'resume', by: 'test' });
    expect(plain.ok).toBe(false);
    expect(plain.message).toMatch(/journal not writable/);
    expect(r.engine.tradingState().status).toBe('halted');
  });
});

describe('resumeNeedsConfirm', () => {
  const trading = { status: 'paused' as const, reason: 'x', since: 0 };
  it('asks nothing for L1/L2 or a watchdog pause; asks for L3/L4, halts and the engine\'s own stops', () => {
    expect(resumeNeedsConfirm({ killLevel: 1, killReason: 'paused by console', trading, holds: [] })).toBeNull();
    expect(resumeNeedsConfirm({ killLevel: 2, killReason: 'cancel-all by ctl', trading, holds: [{ key: 'watchdog:data', status: 'paused', reason: 'stale', since: 0 }] })).toBeNull();
    expect(resumeNeedsConfirm({ killLevel: 3, killReason: 'flatten by console', trading, holds: [] })?.tripped).toMatch(/L3/);
    expect(resumeNeedsConfirm({ killLevel: 4, killReason: 'shutdown by console', trading, holds: [] })?.tripped).toMatch(/L4/);
    expect(resumeNeedsConfirm({ killLevel: 0, killReason: '', trading: { ...trading, status: 'halted' }, holds: [{ key: 'gates', status: 'halted', reason: 'gate Risk failed', since: 0 }] })?.tripped).toMatch(/Risk/);
    // After a restart only the latch remembers the loss limit: still a confirm.
    expect(resumeNeedsConfirm({ killLevel: 1, killReason: 'engine paused: daily loss 60.00 exceeds the max daily loss 50', trading, holds: [] })?.means).toMatch(/limit/);
  });
});
