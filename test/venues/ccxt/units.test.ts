import { describe, expect, it } from 'vitest';
import { ManualScheduler } from '../../../src/ports/scheduler.ts';
import { WindowLimiter } from '../../../src/venues/ccxt/rate-limit.ts';
import { DeadManSwitch, clampTimeoutSec } from '../../../src/venues/ccxt/dead-man.ts';
import { OKX_PROFILE } from '../../../src/venues/ccxt/profiles.ts';
import { resolveCcxtSettings } from '../../../src/venues/ccxt/config.ts';

describe('per-instrument order limit', () => {
  it('lets 60 orders through in 2 s per instrument, holds the 61st until the window moves, and never holds another instrument', async () => {
    const s = new ManualScheduler(0);
    const lim = new WindowLimiter(60, 2000, s);
    const done: string[] = [];
    for (let i = 0; i < 61; i++) void lim.take('BTC/USDT:USDT').then(() => done.push(`b${i}`));
    void lim.take('ETH/USDT:USDT').then(() => done.push('e0'));
    await s.advance(0);
    expect(done.filter((d) => d.startsWith('b'))).toHaveLength(60);
    expect(done).toContain('e0');
    await s.advance(1999);
    expect(done).not.toContain('b60');
    await s.advance(1);
    expect(done).toContain('b60');
  });
});

describe('dead-man switch', () => {
  const p = OKX_PROFILE.deadMan!;
  // What ccxt's okx.cancelAllOrdersAfter resolves with: OKX's raw answer, triggerTime in ms.
  const okxArmed = (s: ManualScheduler, ms: number) => ({ code: '0', msg: '', data: [{ triggerTime: ms === 0 ? '0' : String(s.now() + ms), ts: String(s.now()) }] });
  it('keeps the countdown within what the venue accepts', () => {
    expect(clampTimeoutSec(p, 5)).toBe(10);
    expect(clampTimeoutSec(p, 600)).toBe(120);
    expect(clampTimeoutSec(p, 60)).toBe(60);
  });

  it('is armed with its countdown, refreshed on the heartbeat, and fires (an event) when refreshes stop getting through', async () => {
    const s = new ManualScheduler(1_000_000);
    const calls: number[] = [];
    let fail = false;
    const events: string[] = [];
    const dm = new DeadManSwitch({ profile: p, timeoutSec: 60, refreshSec: 15, scheduler: s, onEvent: (l, m) => events.push(`${l} ${m}`), call: async (ms) => { calls.push(ms); if (fail) throw new Error('network down'); return okxArmed(s, ms); } });
    await dm.start();
    expect(dm.view()).toMatchObject({ state: 'armed', timeoutMs: 60_000, expiresAt: 1_060_000, lastRefresh: 1_000_000 });
    await s.advance(15_000);
    expect(calls).toEqual([60_000, 60_000]);
    expect(dm.view().expiresAt).toBe(1_075_000);
    fail = true;
    await s.advance(15_000);
    expect(dm.view()).toMatchObject({ state: 'failing', expiresAt: 1_075_000 });
    expect(events.some((e) => e.startsWith('warn dead-man switch refresh failed'))).toBe(true);
    await s.advance(29_000);
    expect(dm.view().state).toBe('failing');
    await s.advance(16_000);
    expect(dm.view().state).toBe('fired');
    expect(events.filter((e) => e.startsWith('error dead-man switch FIRED'))).toHaveLength(1);
    fail = false;
    await s.advance(15_000);
    expect(dm.view().state).toBe('armed');
    await dm.stop(true);
    expect(calls.at(-1)).toBe(0);
    expect(dm.view().state).toBe('off');
  });
});

describe('dead-man switch: answers that do not arm it', () => {
  const p = OKX_PROFILE.deadMan!;
  it('a refresh unanswered for more than a refresh period is failing, with how long, well before the countdown runs out', async () => {
    const s = new ManualScheduler(1_000_000);
    let hang = false;
    const events: string[] = [];
    const dm = new DeadManSwitch({
      profile: p, timeoutSec: 10, refreshSec: 1, scheduler: s, onEvent: (l, m) => events.push(`${l} ${m}`),
      call: (ms) => (hang ? new Promise(() => undefined) : Promise.resolve({ code: '0', msg: '', data: [{ triggerTime: String(s.now() + ms) }] })),
    });
    await dm.start();
    hang = true;
    await s.advance(2000);
    expect(dm.view().state).toBe('armed');
    await s.advance(1000);
    expect(dm.view()).toMatchObject({ state: 'failing', expiresAt: 1_010_000 });
    await s.advance(2000);
    expect(dm.view().detail).toMatch(/has not answered for 4 s/);
    expect(events.filter((e) => e.startsWith('warn'))).toHaveLength(1);
    await s.advance(5000);
    expect(dm.view().state).toBe('fired');
    await dm.stop(false);
  });

  it('triggerTime "0" (countdown off) is failing with nothing to fire; an answer of another shape is failing too; the earlier of ours and the venue\'s time is kept', async () => {
    const s = new ManualScheduler(1_000_000);
    let answer: unknown = { code: '0', msg: '', data: [{ triggerTime: '0' }] };
    const dm = new DeadManSwitch({ profile: p, timeoutSec: 60, refreshSec: 15, scheduler: s, onEvent: () => undefined, call: async () => answer });
    await dm.start();
    expect(dm.view()).toMatchObject({ state: 'failing', expiresAt: null, timeoutMs: 0 });
    expect(dm.view().detail).toMatch(/did not arm/);
    answer = { code: '0', msg: '', data: [] };
    await s.advance(15_000);
    expect(dm.view()).toMatchObject({ state: 'failing', expiresAt: null });
    expect(dm.view().detail).toMatch(/not one we know/);
    // The venue's clock a second behind ours: it fires a second before our own count says.
    answer = { code: '0', msg: '', data: [{ triggerTime: String(1_015_000 + 60_000 - 1000) }] };
    await s.advance(15_000);
    expect(dm.view()).toMatchObject({ state: 'armed', expiresAt: 1_074_000 });
    await dm.stop(false);
  });
});

describe('OKX settings from the environment', () => {
  const keys = { OKX_API_KEY: 'k', OKX_SECRET: 'unit-SECRET-1', OKX_PASSPHRASE: 'p' };
  it('names the missing keys and where they go', () => {
    expect(() => resolveCcxtSettings(OKX_PROFILE, { OKX_API_KEY: 'k' }, { live: false })).toThrow(/OKX_SECRET, OKX_PASSPHRASE are not set.*\.env/);
  });
  it('takes a local override in paper, refuses the live socket host without --live and plain http off this machine', () => {
    expect(resolveCcxtSettings(OKX_PROFILE, { ...keys, OKX_BASE_URL: 'http://127.0.0.1:9/' }, { live: false }).restUrl).toBe('http://127.0.0.1:9');
    expect(() => resolveCcxtSettings(OKX_PROFILE, { ...keys, OKX_WS_URL: 'wss://ws.okx.com:8443/ws/v5' }, { live: false })).toThrow();
    expect(resolveCcxtSettings(OKX_PROFILE, { ...keys, OKX_WS_URL: 'wss://ws.okx.com:8443/ws/v5' }, { live: true }).wsUrl).toBe('wss://ws.okx.com:8443/ws/v5');
    expect(() => resolveCcxtSettings(OKX_PROFILE, { ...keys, OKX_BASE_URL: 'http://example.com' }, { live: true })).toThrow();
  });
});
