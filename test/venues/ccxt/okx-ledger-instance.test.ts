/**
 * Bill pulls run on their own ccxt instance: ccxt keeps one throttle per instance, and OKX's
 * account/bills costs 2 of its tokens a page (220 ms at OKX's 110 ms rateLimit), so on the order
 * instance every position push and reconciliation put orders behind ledger pages (the crypto bench:
 * submit-to-ack p50 224 ms with the throttle on, 3 ms without). OKX limits each endpoint on its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';
import { CcxtExecution, OKX_PROFILE, createExchange, instrumentsFromMarkets } from '../../../src/venues/ccxt/index.ts';
import { InstrumentRegistry } from '../../../src/domain/instrument-registry.ts';
import type { AccountEntry } from '../../../src/ports/index.ts';

const SWAP = 'BTC/USDT:USDT';
let fake: OkxFake | null = null;
let exec: CcxtExecution | null = null;
afterEach(async () => { await exec?.disconnect(); await fake?.close(); fake = null; exec = null; });

describe('ccxt adapter: bills on their own instance', () => {
  it('books funding through the ledger instance; the order instance never reads the ledger', async () => {
    fake = await startOkxFake({ port: 0, startTime: Date.UTC(2026, 0, 5, 7, 59, 0), speed: 0 });
    fake.admin.pushBar({ instId: 'BTC-USDT-SWAP', open: 50_000, high: 50_000, low: 50_000, close: 50_000, volume: 1000 });
    const settings = { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: fake.credentials.passphrase, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl };
    const ex = await createExchange(OKX_PROFILE, settings, { enableRateLimit: false });
    const ledger = await createExchange(OKX_PROFILE, settings, { enableRateLimit: false });
    await ex.loadMarkets();
    let orderLedgerReads = 0;
    const own = ex.fetchLedger.bind(ex);
    ex.fetchLedger = (...a: Parameters<typeof ex.fetchLedger>) => { orderLedgerReads++; return own(...a); };
    const instruments = new InstrumentRegistry(instrumentsFromMarkets(ex, 'okx', [SWAP], () => ({ leverage: 3, marginMode: 'cross' })));
    exec = new CcxtExecution({ profile: OKX_PROFILE, exchange: ex, ledgerExchange: ledger, instruments, symbols: [SWAP], live: false, billsPollMs: 0, heartbeatMs: 0, deadMan: null });
    const entries: AccountEntry[] = [];
    const fills: string[] = [];
    await exec.connect((r) => { if (r.kind === 'fill') fills.push(r.clientOrderId); }, undefined, (e) => entries.push(e));
    await new Promise((r) => setTimeout(r, 150));
    exec.submit({ clientOrderId: 'k3f9x2000001perp', ts: Date.now(), request: { symbol: SWAP, side: 'buy', qty: 5, type: 'market' } });
    await new Promise((r) => setTimeout(r, 200));
    fake.admin.pushBar({ instId: 'BTC-USDT-SWAP', open: 50_000, high: 50_000, low: 50_000, close: 50_000, volume: 1000 });
    for (let i = 0; i < 100 && fills.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    fake.admin.advance(60_000); // 08:00: funding
    await exec.pullEntries();
    expect(entries.filter((e) => e.kind === 'funding')).toHaveLength(1);
    expect(orderLedgerReads).toBe(0);
  });
});
