/**
 * The kill switch claims "flat" / "done" only from a fresh read of the venue, never from the
 * engine's books alone. The defect: after a restart while long, `ctl flatten` answered ok "flat"
 * with 1 BTC held at Alpaca (whose positions spell it BTCUSD), and the reduce-only flatten order was
 * refused because the adapter's position lookup missed the position.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import type { ExecutionClient, VenueOrderState, VenuePosition, VenueQueries } from '../../src/ports/index.ts';
import type { SimVenue } from '../../src/venues/sim/sim-venue.ts';
import { registerCtl } from '../../src/cli/ctl.ts';
import { AlpacaRest } from '../../src/venues/alpaca/rest.ts';
import type { VenueServer } from '../../src/venue-server/index.ts';
import { connectAdapter, pushBar, settingsFor, venue as venueServer, type Harness } from '../venues/alpaca/helpers.ts';
import { type Rig, makeRig, tempDir, until } from './rig.ts';

const rigs: Rig[] = [];
const servers: VenueServer[] = [];
const harnesses: Harness[] = [];
const rig = async (...a: Parameters<typeof makeRig>) => { const r = await makeRig(...a); rigs.push(r); return r; };
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.stop();
  for (const h of harnesses.splice(0)) h.close();
  for (const s of servers.splice(0)) await s.close();
});

/** The sim as the engine's venue, without its queries (a venue that cannot be asked). */
function noQueries(v: ExecutionClient): ExecutionClient {
  return {
    venue: v.venue, capabilities: v.capabilities,
    connect: (s) => v.connect(s), submit: (c) => v.submit(c), cancel: (id, ts) => v.cancel(id, ts),
    replace: (id, ch, ts) => v.replace(id, ch, ts), onMarketData: (e) => v.onMarketData?.(e), disconnect: () => v.disconnect(),
  };
}

/** The sim, but its queries answer what `over` says (a venue that holds what our books do not). */
function asking(over: Partial<VenueQueries>): (v: SimVenue) => ExecutionClient {
  return (v) => ({ ...noQueries(v), queries: { ...v.queries, ...over } });
}

const held = (...p: VenuePosition[]) => async () => p;

describe('kill switch: flat only when the venue says so', () => {
  it('books flat, the venue holds BTC-USD 1: flatten is not ok and names BTC-USD 1', async () => {
    const r = await rig({ execution: asking({ positions: held({ symbol: 'BTC-USD', qty: 1, avgPrice: 100 }) }) });
    await r.bars(0, [100]);
    expect(r.engine.portfolio.qty('BTC-USD')).toBe(0);
    const res = await r.ops.bus.dispatch({ command: 'flatten', by: 'test' });
    expect(res.ok).toBe(false);
    expect(res.message).not.toMatch(/^flat|: flat/);
    expect(res.message).toContain('BTC-USD 1');
    expect(res.incomplete.join('; ')).toContain('BTC-USD 1');
    expect(r.ops.kill.progress()!.state).toBe('incomplete');
    expect(r.ops.kill.level()).toBe(3);
  });

  it('books flat after the closing fill, the venue still long: not ok once the confirmation times out', async () => {
    const r = await rig({ confirmTimeoutMs: 400, execution: asking({ positions: held({ symbol: 'BTC-USD', qty: 2, avgPrice: 100 }) }) });
    await r.bars(0, [100]);
    r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 2 });
    await r.bars(1, [101]);
    expect(r.engine.portfolio.qty('BTC-USD')).toBe(2);
    const p = r.ops.bus.dispatch({ command: 'flatten', by: 'test' });
    await until(() => r.ops.kill.progress()?.detail.startsWith('closing') === true, 2000, 'flatten order sent');
    await r.bars(2, [102]);
    const res = await p;
    expect(r.engine.portfolio.qty('BTC-USD')).toBe(0);
    expect(res.ok).toBe(false);
    expect(res.message).toContain('BTC-USD 2');
  });

  it('a position in an instrument this session does not trade is named too, never "flat"', async () => {
    const r = await rig({ execution: asking({ positions: held({ symbol: 'BTCUSD', qty: 1, avgPrice: 100 }) }) });
    await r.bars(0, [100]);
    const res = await r.ops.bus.dispatch({ command: 'flatten', by: 'test' });
    expect(res.ok).toBe(false);
    expect(res.message).toContain('BTCUSD 1');
    expect(res.message).toMatch(/not an instrument this session trades/);
  });

  it('a venue that does not answer in time: not ok, nothing claimed', async () => {
    const r = await rig({ confirmTimeoutMs: 300, execution: asking({ positions: () => new Promise<VenuePosition[]>(() => {}) }) });
    await r.bars(0, [100]);
    const res = await r.ops.bus.dispatch({ command: 'flatten', by: 'test' });
    expect(res.ok).toBe(false);
    expect(res.message).toMatch(/could not read the venue's positions/);
  });

  it('a venue that cannot be asked: flat from the engine books, and it says so', async () => {
    const r = await rig({ execution: noQueries });
    await r.bars(0, [100]);
    const res = await r.ops.bus.dispatch({ command: 'flatten', by: 'test' });
    expect(res.ok).toBe(true);
    expect(res.message).toContain('flat (engine books; this venue cannot be asked)');
  });

  it('the sim confirms a real flatten from its own books', async () => {
    const r = await rig();
    await r.bars(0, [100]);
    r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 1 });
    await r.bars(1, [101]);
    const p = r.ops.bus.dispatch({ command: 'flatten', by: 'test' });
    await until(() => r.ops.kill.progress()?.detail.startsWith('closing') === true, 2000, 'flatten order sent');
    await r.bars(2, [102]);
    const res = await p;
    expect(res).toMatchObject({ ok: true, incomplete: [] });
    expect(res.message).toMatch(/flat/);
    expect(res.message).toMatch(/venue confirmed/);
  });

  it('cancel-all is done only when the venue lists none of our orders open', async () => {
    let venueSays: VenueOrderState[] = [];
    const r = await rig({ confirmTimeoutMs: 400, execution: asking({ openOrders: async () => venueSays }) });
    await r.bars(0, [100]);
    const id = r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 50, qty: 1 });
    await r.bars(1, [100]);
    // The venue still lists our order although its cancel was confirmed on the report stream.
    venueSays = [{ clientOrderId: id, venueOrderId: 'v1', request: { symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 50, qty: 1 }, status: 'accepted', filledQty: 0, avgFillPrice: 0, createdAt: 0, updatedAt: 0 }];
    const res = await r.ops.bus.dispatch({ command: 'cancel-all', by: 'test' });
    expect(res.ok).toBe(false);
    expect(res.message).toContain(id);
    venueSays = [];
    const again = await r.ops.bus.dispatch({ command: 'cancel-all', by: 'test' });
    expect(again.ok).toBe(true);
  });

  it('cancel-all on a venue that cannot be asked says where its answer comes from', async () => {
    const r = await rig({ execution: noQueries });
    await r.bars(0, [100]);
    const res = await r.ops.bus.dispatch({ command: 'cancel-all', by: 'test' });
    expect(res.ok).toBe(true);
    expect(res.message).toMatch(/engine books; this venue cannot be asked/);
  });

  it('`parity ctl flatten` exits non-zero while the venue still holds a position', async () => {
    const env = { PARITY_RUNTIME_DIR: tempDir('prt-') };
    const r = await rig({ execution: asking({ positions: held({ symbol: 'BTC-USD', qty: 1, avgPrice: 100 }) }) });
    await r.bars(0, [100]);
    const dir = tempDir('parity-session-');
    await r.ops.startControl({ id: 'ks1', name: 'ks-session-ks1', dir }, env);
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => { out.push(String(s)); return true; }) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    const before = process.exitCode;
    try {
      const program = new Command().exitOverride();
      registerCtl(program);
      await program.parseAsync(['node', 'parity', 'ctl', 'flatten', '--session', dir, '--timeout', '10000']);
      expect(process.exitCode).toBe(1);
      expect(out.join('')).toMatch(/DID NOT COMPLETE.*BTC-USD 1/s);
    } finally {
      process.stdout.write = write;
      process.stderr.write = err;
      process.exitCode = before;
    }
  });
});

describe('kill switch on the Alpaca adapter against parity venue (real SDK)', () => {
  async function alpacaRig(): Promise<{ r: Rig; server: VenueServer; rest: AlpacaRest }> {
    const server = await venueServer();
    servers.push(server);
    const h = await connectAdapter(server);
    harnesses.push(h);
    // connectAdapter connected it already; the engine's connect only swaps in its own sink.
    const exec: ExecutionClient = h.exec;
    const r = await rig({ gates: [], execution: () => exec });
    return { r, server, rest: new AlpacaRest(settingsFor(server), { clientRateLimit: false }) };
  }

  it('restart while long: books flat, the venue holds 1 BTC: flatten is not ok and names BTC-USD 1', async () => {
    const { r, server, rest } = await alpacaRig();
    await rest.submitOrder({ symbol: 'BTC/USD', qty: '1', side: 'buy', type: 'market', timeInForce: 'gtc', clientOrderId: 'before-restart-1' });
    await pushBar(server, 'BTC/USD', 100, 101, 99, 100);
    await r.bars(0, [100]);
    expect(r.engine.portfolio.qty('BTC-USD')).toBe(0);
    const res = await r.ops.bus.dispatch({ command: 'flatten', by: 'test' });
    expect(res.ok).toBe(false);
    expect(res.message).toContain('BTC-USD 1');
  });

  it('long in the books and at the venue: the reduce-only close is sent, fills, and the venue confirms flat', async () => {
    const { r, server, rest } = await alpacaRig();
    await r.bars(0, [100]);
    r.ctx().submit({ symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 1 });
    await until(() => [...r.engine.orders.all()].some((o) => o.status === 'accepted'), 3000, 'buy accepted');
    await pushBar(server, 'BTC/USD', 100, 101, 99, 100);
    await until(() => r.engine.portfolio.qty('BTC-USD') === 1, 3000, 'long 1 in the books');
    const p = r.ops.bus.dispatch({ command: 'flatten', by: 'test' });
    await until(() => r.ops.kill.progress()?.detail.startsWith('closing') === true, 3000, 'flatten order sent');
    const close = [...r.engine.orders.all()].find((o) => o.request.tag === 'flatten')!;
    await until(() => close.status !== 'initialized' && close.status !== 'submitted', 3000, 'the venue answered the close');
    expect(close.status).toBe('accepted');
    await pushBar(server, 'BTC/USD', 101, 102, 100, 101);
    const res = await p;
    expect(res.ok).toBe(true);
    expect(res.message).toMatch(/venue confirmed/);
    expect(await rest.openPositions()).toEqual([]);
  });
});
