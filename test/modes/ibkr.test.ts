/**
 * `startIbkr` (the IBKR session assembly) against the TWS fake: paper / live identity decided
 * before anything trades, and after a dropped socket the executions, open orders and a
 * reconciliation run before trading resumes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.ts';
import { startIbkr } from '../../src/modes/ibkr.ts';
import { startTwsFake, type TwsFake } from '../../src/venue-server/tws/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fake(account = 'DU1234567'): Promise<TwsFake> {
  const f = await startTwsFake({ port: 0, symbols: ['AAPL'], account, startTime: Date.UTC(2026, 2, 2, 14, 30) });
  cleanups.push(() => f.close());
  return f;
}

function config(port: number, extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'parity-ibkr-mode-'));
  return {
    dir,
    config: ConfigSchema.parse({
      strategy: { file: join(ROOT, 'strategies/sma-cross.ts'), params: { fast: 2, slow: 4, qty: 1 } }, data: { files: [] },
      run: { sessionsDir: join(dir, 'sessions') }, ibkr: { port, clientId: 9, ...extra },
    }),
  };
}

describe('IBKR session identity', () => {
  it('a live account without --live refuses to start, saying why', async () => {
    const f = await fake('U7654321');
    const { config: c, dir } = config(f.port);
    await expect(startIbkr(c, [], { live: false, symbols: ['AAPL'], stateDir: join(dir, 'state') }))
      .rejects.toThrow(/account U7654321 is a live \(real money\) account: refusing to trade it without --live/);
    // The socket it opened to find out is closed again.
    for (let i = 0; i < 100 && f.admin.stats().connections.length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(f.admin.stats().connections).toEqual([]);
  });

  it('--live on a paper account refuses', async () => {
    const f = await fake();
    const { config: c, dir } = config(f.port);
    await expect(startIbkr(c, [], { live: true, confirmAccount: 'DU1234567', symbols: ['AAPL'], stateDir: join(dir, 'state') }))
      .rejects.toThrow(/--live but account DU1234567 is a paper account/);
  });

  it('--live needs the account id typed (or --confirm-account) and refuses a wrong one', async () => {
    const f = await fake('U7654321');
    const { config: c, dir } = config(f.port);
    await expect(startIbkr(c, [], { live: true, symbols: ['AAPL'], stateDir: join(dir, 'state'), prompt: async () => 'U0000000' }))
      .rejects.toThrow(/does not match.*refusing to trade real money/);
  });

  it('--account must be one the login manages', async () => {
    const f = await fake();
    const { config: c, dir } = config(f.port, { account: 'DU999' });
    await expect(startIbkr(c, [], { live: false, symbols: ['AAPL'], stateDir: join(dir, 'state') })).rejects.toThrow(/--account DU999 is not managed/);
  });
});

describe('IBKR session life', () => {
  it('after a dropped socket: executions, open orders and a reconnect reconciliation before trading resumes', async () => {
    const f = await fake();
    const { config: c, dir } = config(f.port);
    const logs: string[] = [];
    const s = await startIbkr(c, [{ onLog: (l) => { logs.push(`${l.source}: ${l.message}`); } }], {
      live: false, symbols: ['AAPL'], stateDir: join(dir, 'state'), reconcilePeriodMs: 0, reconnectInitialMs: 50, reconnectMaxMs: 100, random: () => 0.5, heartbeatMs: 0,
    });
    cleanups.push(async () => { s.engine.stop(); await s.done.catch(() => undefined); await s.execution.disconnect(); });
    await s.recovered;
    const reasons: string[] = [];
    s.reconciler.onResult((r) => reasons.push(r.reason));
    f.admin.inject({ drop: true });
    const deadline = Date.now() + 5000;
    while (!reasons.includes('reconnect')) {
      if (Date.now() > deadline) throw new Error(`no reconnect reconciliation; logs:\n${logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(logs.some((l) => /reconnected to TWS .* as client 9: requesting executions and open orders/.test(l))).toBe(true);
    expect(logs.some((l) => /reconcile: reconnect: clean/.test(l))).toBe(true);
    expect(s.execution.connection().state).toBe('connected');
    expect(f.admin.stats().connections.map((x) => x.clientId)).toEqual([9]);
  });
});

describe('IBKR session contracts', () => {
  it('each symbol\'s spec comes from TWS\'s contract details; an unknown one stops the start with the remedy', async () => {
    const f = await fake();
    const { config: c, dir } = config(f.port);
    const s = await startIbkr(c, [], { live: false, symbols: ['AAPL'], stateDir: join(dir, 'state'), reconcilePeriodMs: 0, heartbeatMs: 0 });
    cleanups.push(async () => { s.engine.stop(); await s.done.catch(() => undefined); s.execution.disconnect(); });
    const inst = s.parts.instruments.get('AAPL')!;
    expect(inst).toMatchObject({ symbol: 'AAPL', tickSize: 0.01, source: 'venue' });
    const { config: c2, dir: d2 } = config(f.port, { clientId: 19 });
    await expect(startIbkr(c2, [], { live: false, symbols: ['NOPE'], stateDir: join(d2, 'state') }))
      .rejects.toThrow(/NOPE: TWS has no security definition for it .*ibkr\.contracts\.NOPE/);
  });
});
