/**
 * Connection life against the TWS fake: a half-open socket (a proxy that stops forwarding without
 * closing, as a dead NAT or a sleeping laptop does) is found by the heartbeat and replaced; 1101
 * (market data lost) resubscribes real-time bars, 1102 keeps them.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTwsFake, type TwsFake } from '../../../src/venue-server/tws/index.ts';
import { IbkrFeed, IbkrLink } from '../../../src/venues/ibkr/index.ts';
import { makeInstrument } from '../../../src/domain/instrument.ts';
import type { MarketEvent } from '../../../src/domain/market.ts';
import { bar, MIN, T0, until } from './helpers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function fake(): Promise<TwsFake> {
  const f = await startTwsFake({ port: 0, symbols: ['AAPL'], startTime: T0 - MIN });
  cleanups.push(() => f.close());
  return f;
}

/** A TCP proxy to `port` that can go silent: bytes stop flowing both ways, no socket is closed. */
async function proxy(port: number): Promise<{ port: number; silence(): void }> {
  const conns: { client: Socket; up: Socket; silent: boolean }[] = [];
  const server: Server = createServer((client) => {
    const up = createConnection({ host: '127.0.0.1', port });
    const c = { client, up, silent: false };
    conns.push(c);
    client.on('data', (d) => { if (!c.silent) up.write(d); });
    up.on('data', (d) => { if (!c.silent) client.write(d); });
    const end = (): void => { client.destroy(); up.destroy(); };
    client.on('close', end); up.on('close', end); client.on('error', end); up.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => { for (const c of conns) { c.client.destroy(); c.up.destroy(); } server.close(() => r()); }));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : 0,
    // The connections made so far go silent for good (open, nothing flows); the next one flows.
    silence: () => { for (const c of conns) c.silent = true; },
  };
}

describe('IBKR connection life', () => {
  it('a half-open socket is found by the heartbeat (reqCurrentTime raced against a timeout) and reopened', async () => {
    const f = await fake();
    const p = await proxy(f.port);
    const infos: string[] = [];
    const link = new IbkrLink({
      host: '127.0.0.1', port: p.port, clientId: 11, heartbeatMs: 100, heartbeatTimeoutMs: 200, reconnectInitialMs: 50, reconnectMaxMs: 100, random: () => 0.5,
      onProblem: (x) => infos.push(`problem ${x.message}`), onInfo: (_l, m) => infos.push(m),
    });
    cleanups.push(() => link.close());
    let restored = 0;
    link.on({ restored: () => { restored++; } });
    await link.open();
    const before = link.status().lastHeartbeat!;
    // The socket stays open and nothing flows: the SDK sees no error and no close.
    p.silence();
    await until(() => restored > 0, 'a reconnect after the heartbeat timed out', 5000);
    expect(infos.join('\n')).toMatch(/heartbeat: reqCurrentTime: no answer from TWS within 200 ms; treating the socket as dead and reconnecting/);
    expect(link.canSend()).toBe(true);
    await until(() => (link.status().lastHeartbeat ?? 0) > before, 'a fresh heartbeat');
    expect(link.status().detail).toMatch(/heartbeat \d+ s ago/);
  });

  it('1101 resubscribes market data; 1102 keeps the subscriptions', async () => {
    const f = await fake();
    const link = new IbkrLink({ host: '127.0.0.1', port: f.port, clientId: 12, heartbeatMs: 0 });
    cleanups.push(() => link.close());
    await link.open();
    const infos: string[] = [];
    const feed = new IbkrFeed({ link, instruments: [makeInstrument('AAPL', 'ibkr', { assetClass: 'equity' })], onInfo: (_l, m) => infos.push(m) });
    const got: MarketEvent[] = [];
    feed.start((e) => got.push(e));
    cleanups.push(() => feed.stop());
    await new Promise((r) => setTimeout(r, 100));
    let i = 0;
    const push = (): void => { f.admin.pushBar(bar('AAPL', i, 100 + i, 101 + i, 99 + i, 100 + i)); i++; };
    push(); push();
    await until(() => got.length >= 1, 'bars before the outage');
    f.admin.inject({ connectivityLost: true });
    await new Promise((r) => setTimeout(r, 50));
    f.admin.inject({ restore: 1102 });
    push();
    await until(() => got.length >= 2, 'bars after 1102 (kept)');
    expect(infos.some((m) => /resubscribed/.test(m))).toBe(false);
    f.admin.inject({ connectivityLost: true });
    await new Promise((r) => setTimeout(r, 50));
    f.admin.inject({ restore: 1101 });
    await until(() => infos.some((m) => /market data resubscribed after TWS 1101/.test(m)), 'resubscribe on 1101');
    await new Promise((r) => setTimeout(r, 100));
    const n = got.length;
    push(); push();
    await until(() => got.length > n, 'bars after 1101 (resubscribed)');
    const ts = got.map((e) => e.ts);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
  });
});
