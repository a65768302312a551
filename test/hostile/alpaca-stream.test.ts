/**
 * The trade_updates stream misbehaving: unknown events, malformed JSON, msgpack where JSON is due,
 * an order status this version does not know, refused keys. Every one must become a typed problem
 * (never an exception in the engine's face), and no fill the venue made may go unbooked.
 */
import { encode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { AlpacaFake } from './alpaca-fake.ts';
import { KEY_ID, SECRET, rig, reportsOf, until, type Rig } from './alpaca-harness.ts';

let r: Rig | null = null;
afterEach(async () => { await r?.close(); r = null; });

const TYPED = ['AlpacaNetworkError', 'AlpacaProtocolError', 'AlpacaApiError'];

async function working(x: Rig, cid: string, qty = 1): Promise<string> {
  x.place(cid, { symbol: 'BTC-USD', side: 'buy', qty, type: 'limit', limitPrice: 100 });
  await until(() => reportsOf(x, 'accepted', cid).length === 1, 5000, `ack of ${cid}`);
  const id = x.fake.byClientId(cid)!.id;
  x.fake.mustOrder(id).status = 'new';
  return id;
}

describe('hostile alpaca: trade_updates stream', () => {
  it('an unknown event type is a typed problem; the next fill is still booked', async () => {
    r = await rig();
    const id = await working(r, 'unk1');
    r.fake.push('order_teleported', id);
    r.fake.fill(id, '1', '100');
    await until(() => r!.registry.get('unk1')!.status === 'filled', 5000, 'filled');
    const p = r.problems.find((x) => x.message.includes('order_teleported'));
    expect(p?.name).toBe('AlpacaProtocolError');
  });

  it('malformed JSON, a bare string, null data and msgpack are typed problems, not crashes', async () => {
    r = await rig();
    const id = await working(r, 'bad1', 2);
    r.fake.inject('{"stream":"trade_updates","data":{"event":"fill"');
    r.fake.inject('"just a string"');
    r.fake.inject({ stream: 'trade_updates', data: null });
    r.fake.inject({ stream: 'trade_updates', data: { event: 'fill', order: 'not an object' } });
    r.fake.inject(Buffer.from(encode({ stream: 'trade_updates', data: { event: 'fill' } })));
    r.fake.fill(id, '2', '100');
    await until(() => r!.registry.get('bad1')!.status === 'filled', 5000, 'filled');
    expect(r.problems.length).toBeGreaterThanOrEqual(4);
    expect(r.problems.every((p) => TYPED.includes(p.name))).toBe(true);
  });

  it('a fill whose frame arrives malformed is still booked (from the venue\'s FILL activities)', async () => {
    r = await rig();
    const id = await working(r, 'lost1', 1);
    const frame = r.fake.fill(id, '1', '100', { stream: false });
    // The frame the venue sent for that fill, cut short on the wire.
    r.fake.inject(JSON.stringify(frame).slice(0, 90));
    await until(() => r!.registry.get('lost1')!.status === 'filled', 5000, 'the fill, recovered');
    expect(r.registry.get('lost1')!.filledQty).toBe(1);
  });

  it('a fill frame that fails the schema (timestamp garbage) is still booked', async () => {
    r = await rig();
    const id = await working(r, 'lost2', 1);
    const frame = r.fake.fill(id, '1', '100', { stream: false }) as { data: Record<string, unknown> };
    r.fake.inject({ ...frame, data: { ...frame.data, timestamp: 'yesterday-ish' } });
    await until(() => r!.registry.get('lost2')!.status === 'filled', 5000, 'the fill, recovered');
  });

  it('a fill on an order whose status this version does not know is booked', async () => {
    r = await rig();
    const id = await working(r, 'st1', 1);
    const frame = r.fake.fill(id, '1', '100', { stream: false }) as { data: { order: Record<string, unknown> } & Record<string, unknown> };
    r.fake.inject({ ...frame, data: { ...frame.data, order: { ...frame.data.order, status: 'pending_review' } } });
    await until(() => r!.registry.get('st1')!.status === 'filled', 5000, 'filled');
  });

  it('a trade update sent as a binary frame (JSON inside) is applied', async () => {
    r = await rig();
    const id = await working(r, 'bin1', 1);
    const frame = r.fake.fill(id, '1', '100', { stream: false });
    r.fake.inject(frame, { binary: true });
    await until(() => r!.registry.get('bin1')!.status === 'filled', 5000, 'filled');
  });

  it('refused keys on the stream fail connect at once, naming the settings to check, never the secret', async () => {
    const fake = await AlpacaFake.start();
    fake.auth = 'unauthorized';
    r = await rig({ fake, connect: false });
    const t0 = Date.now();
    let err: unknown = null;
    try {
      await (r.exec.connect as (s: (x: unknown) => void) => Promise<void>)(() => undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/ALPACA_KEY_ID/);
    expect(msg).toMatch(/ALPACA_SECRET_KEY/);
    expect(msg).toMatch(/stream/);
    // Within the connect timeout's budget is not enough: it must not wait for the timeout at all.
    expect(Date.now() - t0).toBeLessThan(5000);
    const all = [msg, ...r.problems.map((p) => p.message), ...r.infos].join('\n');
    expect(all).not.toContain(SECRET);
    // The keys did go out, once, in the authenticate frame: that is the only place they belong.
    expect(fake.clientFrames.filter((f) => f.action === 'authenticate')).toHaveLength(1);
    expect(JSON.stringify(fake.clientFrames[0])).toContain(KEY_ID);
  });

  it('a server that echoes the secret back in a stream error does not get it into a problem', async () => {
    r = await rig();
    r.fake.inject({ action: 'error', data: { error_message: `invalid credentials ${SECRET}` } });
    await until(() => r!.problems.length > 0, 5000, 'a problem');
    expect(r.problems.map((p) => p.message).join('\n')).not.toContain(SECRET);
  });

  it('a REST error that echoes the secret key does not carry it into the rejection', async () => {
    r = await rig();
    r.fake.script('POST', /^\/v2\/orders$/, { status: 403, body: { code: 40310000, message: `insufficient buying power for key ${SECRET}` } });
    r.place('echo1', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' });
    await until(() => reportsOf(r!, 'rejected', 'echo1').length === 1, 5000, 'rejected');
    const why = (reportsOf(r, 'rejected', 'echo1')[0] as { reason: string }).reason;
    expect(why).toContain('insufficient buying power');
    expect(why).not.toContain(SECRET);
  });
});
