/**
 * The OKX fake: the simulated venue's matching core (SimVenue) behind OKX's v5 REST and websocket
 * protocol on 127.0.0.1, so the real ccxt 4.5 (`ccxt.pro.okx`) trades against it with no account
 * and no network. `parity venue --protocol okx --port N` runs it as a process; tests and adapters
 * start it in-process:
 *
 *   import { startOkxFake } from '../venue-server/okx/index.ts';
 *   const fake = await startOkxFake({ port: 0 });
 *   const ex = new ccxt.pro.okx({ apiKey: fake.credentials.apiKey, secret: fake.credentials.secret,
 *     password: fake.credentials.passphrase, enableRateLimit: false,
 *     urls: { api: { rest: fake.restUrl, ws: fake.wsUrl } }, options: { fetchMarkets: { types: ['spot', 'swap'] } } });
 *   ex.setSandboxMode(true);                  // the fake account is a demo account unless liveAccount
 *   fake.admin.pushBar({ instId: 'BTC-USDT-SWAP', open, high, low, close, volume }); // drive matching
 *   fake.admin.advance(30_000);               // venue clock: dead-man countdowns, funding times
 *   await fake.close();
 *
 * Admin (not signed), in-process as `fake.admin` or over HTTP on the same port under /admin:
 *   POST /admin/advance {ms}            move the venue clock forward (fires countdowns, funding due)
 *   POST /admin/time-scale {scale}      venue ms per wall ms from now on (0 = clock stands still)
 *   POST /admin/bars {bars:[OkxBarIn]}  play bars now (orders match against them)
 *   POST /admin/fund {instId?, rate?}   book funding now on open swap positions (bill type 8)
 *   POST /admin/faults {OkxFaultIn}     fault injection (faults.ts)
 *   GET  /admin/state                   OkxStateDump
 */
export { startOkxFake } from './server.ts';
export type { OkxFake, OkxFakeOptions, OkxAdmin, OkxBarIn, OkxStateDump, OkxInstrumentSpec } from './types.ts';
export type { OkxFaultIn } from './faults.ts';
