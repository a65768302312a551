/**
 * The dead-man switch over each way a venue arms it (profile data, not venue names): OKX's
 * triggerTime, Binance's echoed countdown per symbol, an `ok` field (Bybit retCode 0, Deribit
 * result "ok"), and a connection-scoped switch with no countdown that fires when the connection drops.
 */
import { describe, expect, it } from 'vitest';
import { DeadManSwitch, readArmAnswer } from '../../../src/venues/ccxt/dead-man.ts';
import type { DeadManProfile } from '../../../src/venues/ccxt/profiles.ts';
import { ManualScheduler } from '../../../src/ports/scheduler.ts';

const base = { markets: ['swap'], minSec: 10, maxSec: 120, tag: null, costFactor: 1 } as const;
const echo: DeadManProfile = { ...base, arm: { kind: 'implicit', method: 'fapiPrivatePostCountdownCancelAll', symbolParam: 'symbol', msParam: 'countdownTime' }, answer: { kind: 'echo', path: 'countdownTime' } };
const okCode: DeadManProfile = { ...base, arm: { kind: 'cancelAllOrdersAfter' }, answer: { kind: 'ok', path: 'retCode', value: 0 } };
const conn: DeadManProfile = { ...base, arm: { kind: 'connection' }, answer: { kind: 'ok', path: 'result', value: 'ok' } };

describe('reading the arming answer', () => {
  it('an echoed countdown arms it until now + the countdown; 0 is off; every symbol must answer', () => {
    expect(readArmAnswer(echo, [{ symbol: 'BTCUSDT', countdownTime: '60000' }, { symbol: 'ETHUSDT', countdownTime: '60000' }], 1000, 60_000)).toEqual({ ok: true, triggerTime: 61_000 });
    expect(readArmAnswer(echo, [{ symbol: 'BTCUSDT', countdownTime: '60000' }, { symbol: 'ETHUSDT', countdownTime: '0' }], 1000, 60_000)).toMatchObject({ ok: false });
    expect(readArmAnswer(echo, { symbol: 'BTCUSDT' }, 1000, 60_000)).toMatchObject({ ok: false, why: expect.stringMatching(/countdownTime/) });
  });
  it('an ok field arms it when it holds the value (numbers and their strings alike)', () => {
    expect(readArmAnswer(okCode, { retCode: 0, retMsg: 'success' }, 5, 30_000)).toEqual({ ok: true, triggerTime: 30_005 });
    expect(readArmAnswer(okCode, { retCode: '0' }, 5, 30_000)).toEqual({ ok: true, triggerTime: 30_005 });
    expect(readArmAnswer(okCode, { retCode: 10001, retMsg: 'dcp not enabled' }, 5, 30_000)).toMatchObject({ ok: false, why: expect.stringMatching(/retCode/) });
  });
  it('a connection switch has no countdown', () => {
    expect(readArmAnswer(conn, { result: 'ok' }, 5, 30_000)).toEqual({ ok: true, triggerTime: null });
  });
});

describe('a connection-scoped switch', () => {
  it('is armed without a countdown, never fires by time, and fires when the connection drops', async () => {
    const s = new ManualScheduler(1_000_000);
    const events: string[] = [];
    const dm = new DeadManSwitch({ profile: conn, timeoutSec: 60, scheduler: s, onEvent: (l, m) => events.push(`${l} ${m}`), call: async () => ({ result: 'ok' }) });
    await dm.start();
    expect(dm.view()).toMatchObject({ state: 'armed', expiresAt: null, lastRefresh: 1_000_000 });
    await s.advance(600_000);
    expect(dm.view().state).toBe('armed');
    dm.connectionLost('socket closed (1006)');
    expect(dm.view()).toMatchObject({ state: 'fired', detail: expect.stringMatching(/1006/) });
    expect(events.filter((e) => e.startsWith('error dead-man switch FIRED'))).toHaveLength(1);
    // Armed again on the new connection.
    await s.advance(15_000);
    expect(dm.view().state).toBe('armed');
    await dm.stop(true);
  });
  it('a drop while it is off is no firing', async () => {
    const s = new ManualScheduler(0);
    const events: string[] = [];
    const dm = new DeadManSwitch({ profile: conn, timeoutSec: 60, scheduler: s, onEvent: (l, m) => events.push(m), call: async () => ({ result: 'ok' }) });
    dm.connectionLost('closed');
    expect(dm.view().state).toBe('off');
    expect(events).toEqual([]);
  });
});

describe('a switch with a companion the venue needs (Bybit: the dcp subscription)', () => {
  it('is failing while the companion is down (told once), armed again when it is back, and stops it after disarming', async () => {
    const s = new ManualScheduler(0);
    const events: string[] = [];
    const calls: number[] = [];
    let blocker: string | null = null;
    const life: string[] = [];
    const dm = new DeadManSwitch({
      profile: okCode, timeoutSec: 20, refreshSec: 5, scheduler: s, onEvent: (l, m) => events.push(`${l} ${m}`),
      call: async (ms) => { calls.push(ms); life.push(`call ${ms}`); return { retCode: 0 }; },
      companion: { start: async () => { life.push('start'); }, stop: async () => { life.push('stop'); }, blocker: () => blocker },
    });
    await dm.start();
    expect(dm.view().state).toBe('armed');
    blocker = 'dcp subscription down (socket closed)';
    await s.advance(5_000);
    expect(dm.view()).toMatchObject({ state: 'failing', detail: expect.stringMatching(/dcp subscription down/) });
    await s.advance(10_000);
    expect(dm.view().state).toBe('failing');
    expect(events.filter((e) => e.includes('cannot fire'))).toHaveLength(1);
    blocker = null;
    await s.advance(5_000);
    expect(dm.view().state).toBe('armed');
    await dm.stop(true);
    expect(life[0]).toBe('start');
    expect(life.slice(-2)).toEqual(['call 0', 'stop']);
  });
});
