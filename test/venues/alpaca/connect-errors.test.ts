/**
 * A venue that cannot be reached, or refuses the keys, says so: the URL, the cause and the setting
 * to check, never the SDK's "The request failed and the interceptors did not return an alternative
 * response", never the secret. The rest layer against servers on 127.0.0.1 started here, and the
 * cause digging on the error shapes undici and the SDK produce.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlpacaSettings } from '../../../src/venues/alpaca/config.ts';
import { AlpacaApiError, AlpacaNetworkError, fetchFailureOf, unreachableMessage } from '../../../src/venues/alpaca/errors.ts';
import { AlpacaRest } from '../../../src/venues/alpaca/rest.ts';

const SECRET = 'sk-connect-errors-SECRET-9f3a';
const closers: (() => Promise<void>)[] = [];
afterAll(async () => { for (const c of closers) await c(); });

function settings(baseUrl: string, over: Partial<AlpacaSettings> = {}): AlpacaSettings {
  const u = new URL(baseUrl);
  return {
    keyId: 'PKCONNECTTEST', secretKey: SECRET, live: false, baseUrl,
    streamUrl: `ws://${u.host}/stream`, dataUrl: `ws://${u.host}`, dataRestUrl: baseUrl, ...over,
  };
}

const rest = (s: AlpacaSettings, timeoutMs = 5_000) => new AlpacaRest(s, { clientRateLimit: false, timeoutMs, maxAttempts: 1 });

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return a.port;
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  const port = await listen(s);
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

/** An HTTP server answering every request with `status` and Alpaca's {code, message}. */
async function answering(status: number, message: string): Promise<number> {
  const s = createHttpServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: status * 100_000 + 10_000, message }));
  });
  const port = await listen(s);
  closers.push(() => new Promise((res) => { s.closeAllConnections(); s.close(() => res()); }));
  return port;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('the rest layer names the URL, the cause and the setting', () => {
  it('connection refused: is parity venue running? check ALPACA_BASE_URL', async () => {
    const port = await closedPort();
    const err = await failure(rest(settings(`http://127.0.0.1:${port}`)).account());
    expect(err).toBeInstanceOf(AlpacaNetworkError);
    expect(err.message).toBe(`cannot reach Alpaca at http://127.0.0.1:${port}/v2/account: connection refused (is parity venue running? check ALPACA_BASE_URL)`);
  });

  it.each([401, 403])('HTTP %i on the keys: check ALPACA_KEY_ID / ALPACA_SECRET_KEY, paper keys for the paper host', async (status) => {
    const port = await answering(status, status === 401 ? 'request is not authorized' : 'forbidden');
    const err = await failure(rest(settings(`http://127.0.0.1:${port}`)).account());
    expect(err).toBeInstanceOf(AlpacaApiError);
    expect((err as AlpacaApiError).status).toBe(status);
    expect(err.message).toContain(`Alpaca refused the keys (HTTP ${status}`);
    expect(err.message).toContain(`at http://127.0.0.1:${port}/v2/account`);
    expect(err.message).toContain('check ALPACA_KEY_ID / ALPACA_SECRET_KEY');
    expect(err.message).toContain('paper keys for the paper host');
    expect(err.message).not.toContain(SECRET);
  });

  it('a live session is told about live keys', async () => {
    const port = await answering(401, 'request is not authorized');
    const err = await failure(rest(settings(`http://127.0.0.1:${port}`, { live: true })).account());
    expect(err.message).toMatch(/refused the keys \(HTTP 401.*live keys for the live host/);
  });

  it("a 403 on an order is the venue's business answer, not the keys", async () => {
    const port = await answering(403, 'insufficient buying power');
    const err = await failure(rest(settings(`http://127.0.0.1:${port}`)).submitOrder({
      symbol: 'BTC/USD', qty: '1', side: 'buy', type: 'market', timeInForce: 'gtc', clientOrderId: 'c1',
    }));
    expect(err).toBeInstanceOf(AlpacaApiError);
    expect(err.message).toBe('POST /v2/orders: insufficient buying power');
  });

  it('a server that accepts and never answers: a timeout, fast', async () => {
    const sockets = new Set<Socket>();
    const s = createNetServer((sock) => { sockets.add(sock); });
    const port = await listen(s);
    closers.push(() => new Promise((res) => { for (const k of sockets) k.destroy(); s.close(() => res()); }));
    const t0 = Date.now();
    const err = await failure(rest(settings(`http://127.0.0.1:${port}`), 300).account());
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(AlpacaNetworkError);
    expect(err.message).toBe(`cannot reach Alpaca at http://127.0.0.1:${port}/v2/account: timed out: no answer within 300 ms (is ALPACA_BASE_URL the port parity venue listens on? check ALPACA_BASE_URL)`);
  });

  it('an unresolvable host (.invalid never resolves): DNS, without waiting on the network', async () => {
    const t0 = Date.now();
    const err = await failure(rest(settings('http://no-such-host.invalid'), 3_000).account());
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(AlpacaNetworkError);
    expect(err.message).toContain('cannot reach Alpaca at http://no-such-host.invalid/v2/account: host name');
    expect(err.message).toMatch(/DNS (ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NODATA|EAI_NONAME) no-such-host\.invalid/);
    expect(err.message).toContain('check the host name in ALPACA_BASE_URL');
  });

  it('https to a plain http server: TLS, and which scheme to use', async () => {
    const port = await answering(200, 'ok');
    const err = await failure(rest(settings(`https://127.0.0.1:${port}`)).account());
    expect(err.message).toMatch(new RegExp(`^cannot reach Alpaca at https://127\\.0\\.0\\.1:${port}/v2/account: TLS .*ERR_SSL_`));
    expect(err.message).toContain('https:// for Alpaca, http:// for a local parity venue');
  });

  it('market data on its own host names ALPACA_DATA_URL', async () => {
    const [trading, data] = [await answering(200, 'ok'), await closedPort()];
    const s = settings(`http://127.0.0.1:${trading}`, { dataUrl: `ws://127.0.0.1:${data}`, dataRestUrl: `http://127.0.0.1:${data}` });
    const err = await failure(rest(s).bars({ symbols: ['BTC/USD'], crypto: true, start: 0, end: 60_000, limit: 10, sort: 'asc' }));
    expect(err.message).toBe(`cannot reach Alpaca at http://127.0.0.1:${data}/v1beta3/crypto/us/bars: connection refused (is parity venue running? check ALPACA_DATA_URL)`);
  });

  it('fetch\'s "bad ports" (9, 6000) are named as such', async () => {
    const err = await failure(rest(settings('http://127.0.0.1:9')).account());
    expect(err.message).toMatch(/^cannot reach Alpaca at http:\/\/127\.0\.0\.1:9\/v2\/account: fetch refuses this port .*use another port in ALPACA_BASE_URL/);
  });
});

describe('fetchFailureOf digs through the SDK and undici wrapping', () => {
  /** FetchError("The request failed and the interceptors …") → TypeError("fetch failed") → the socket's error. */
  const wrapped = (inner: unknown): Error => {
    const fetchFailed = new TypeError('fetch failed', { cause: inner });
    const e = new Error('The request failed and the interceptors did not return an alternative response', { cause: fetchFailed });
    e.name = 'FetchError';
    return e;
  };
  const sysErr = (code: string, message = code, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });

  it.each([
    [sysErr('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 'refused', /^connection refused$/],
    [new AggregateError([sysErr('ECONNREFUSED'), sysErr('ECONNREFUSED')], 'connect failed'), 'refused', /^connection refused$/],
    [sysErr('ENOTFOUND', 'getaddrinfo ENOTFOUND x.invalid', { hostname: 'x.invalid' }), 'dns', /not found \(DNS ENOTFOUND x\.invalid\)/],
    [sysErr('EAI_AGAIN', 'getaddrinfo EAI_AGAIN h', { hostname: 'h' }), 'dns', /could not be resolved \(DNS EAI_AGAIN h: no network/],
    [sysErr('CERT_HAS_EXPIRED', 'certificate has expired'), 'tls', /TLS certificate or handshake failed \(CERT_HAS_EXPIRED\)/],
    [sysErr('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls', /DEPTH_ZERO_SELF_SIGNED_CERT/],
    [sysErr('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls', /ERR_TLS_CERT_ALTNAME_INVALID/],
    [sysErr('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'), 'timeout', /connecting timed out \(UND_ERR_CONNECT_TIMEOUT\)/],
    [sysErr('ECONNRESET', 'read ECONNRESET'), 'reset', /closed the connection \(ECONNRESET\)/],
    [sysErr('EHOSTUNREACH'), 'unreachable', /unreachable \(EHOSTUNREACH\)/],
    [new Error('bad port'), 'bad-port', /bad port/],
  ])('%s', (inner, kind, reason) => {
    const f = fetchFailureOf(wrapped(inner));
    expect(f.kind).toBe(kind);
    expect(f.reason).toMatch(reason);
  });

  it("the SDK's deadline (DOMException TimeoutError) is a timeout of the configured length", () => {
    const e = new Error('The request was aborted', { cause: new DOMException('Request timed out after 15000 ms', 'TimeoutError') });
    expect(fetchFailureOf(e, 15_000)).toEqual({ kind: 'timeout', reason: 'timed out: no answer within 15000 ms' });
  });

  it('an unknown cause keeps its innermost message', () => {
    expect(fetchFailureOf(wrapped(sysErr('EWHATEVER', 'something odd')))).toEqual({ kind: 'other', reason: 'something odd (EWHATEVER)' });
  });

  it('remote hosts are not told to start parity venue', () => {
    const m = unreachableMessage('https://paper-api.alpaca.markets/v2/account', 'ALPACA_BASE_URL', { kind: 'refused', reason: 'connection refused' });
    expect(m).toBe('cannot reach Alpaca at https://paper-api.alpaca.markets/v2/account: connection refused (check ALPACA_BASE_URL)');
  });
});
