/**
 * Parity's Alpaca adapter, wired as src/venues/alpaca/index.ts wires it (the real SDK, its real
 * trading stream), pointed at the hostile fake; reports go to a list and, where a test wants the
 * engine's view, through the engine's own OrderRegistry (the fill dedupe and the order FSM).
 */
import { makeInstrument, type Instrument } from '../../src/domain/instrument.ts';
import { InstrumentRegistry } from '../../src/domain/instrument-registry.ts';
import type { OrderRequest } from '../../src/domain/order.ts';
import type { ExecutionReport } from '../../src/ports/index.ts';
import { OrderRegistry } from '../../src/orders/registry.ts';
import { createAlpacaVenue, resolveAlpacaSettings, type AlpacaExecution, type AlpacaProblem, type AlpacaVenue } from '../../src/venues/alpaca/index.ts';
import { AlpacaFake, until } from './alpaca-fake.ts';

export const SECRET = 'hostile-secret-DO-NOT-PRINT-9f8e7d';
export const KEY_ID = 'PKHOSTILEKEY1234';

export const BTC = makeInstrument('BTC-USD', 'alpaca', { assetClass: 'crypto_spot', tickSize: 0.01, lotSize: 0.000000001, minQty: 0.000000001, calendar: '24x7', quoteCurrency: 'USD', source: 'venue' });
export const ETH = makeInstrument('ETH-USD', 'alpaca', { assetClass: 'crypto_spot', tickSize: 0.01, lotSize: 0.000000001, minQty: 0.000000001, calendar: '24x7', quoteCurrency: 'USD', source: 'venue' });
export const AAPL = makeInstrument('AAPL', 'alpaca', { assetClass: 'equity', tickSize: 0.01, lotSize: 1, minQty: 1, calendar: 'us_equity', quoteCurrency: 'USD', source: 'venue' });

export interface Rig {
  readonly fake: AlpacaFake;
  readonly venue: AlpacaVenue;
  readonly exec: AlpacaExecution;
  readonly reports: ExecutionReport[];
  readonly problems: AlpacaProblem[];
  readonly infos: string[];
  readonly sleeps: number[];
  readonly registry: OrderRegistry;
  /** Creates the order in the registry (as the engine does before submitting) and submits it. */
  place(cid: string, r: OrderRequest): void;
  close(): Promise<void>;
}

export async function rig(o: { readonly instruments?: readonly Instrument[]; readonly connect?: boolean; readonly fake?: AlpacaFake; readonly connectTimeoutMs?: number } = {}): Promise<Rig> {
  const fake = o.fake ?? await AlpacaFake.start();
  const settings = resolveAlpacaSettings({ ALPACA_KEY_ID: KEY_ID, ALPACA_SECRET_KEY: SECRET, ALPACA_BASE_URL: fake.baseUrl }, { live: false });
  const problems: AlpacaProblem[] = [];
  const infos: string[] = [];
  const sleeps: number[] = [];
  const venue = createAlpacaVenue({
    settings, initialReconnectMs: 50, maxReconnectMs: 200, heartbeatMs: 0,
    // The adapter's 429 waits are recorded and shortened: the test checks what it would wait.
    rest: { clientRateLimit: false, timeoutMs: 3000, backoffMs: 5, sleep: async (ms) => { sleeps.push(ms); await new Promise((r) => setTimeout(r, 1)); } }, // timer-ok: test double
    onProblem: (p) => problems.push(p),
    onInfo: (m) => infos.push(m),
  });
  const instruments = new InstrumentRegistry(o.instruments ?? [BTC, ETH, AAPL]);
  const registry = new OrderRegistry((s) => instruments.get(s));
  const exec = venue.execution(instruments);
  const reports: ExecutionReport[] = [];
  const sink = (r: ExecutionReport): void => {
    reports.push(r);
    registry.applyReport(r);
  };
  if (o.connect !== false) {
    await (exec.connect as (s: typeof sink) => Promise<void>)(sink);
  }
  return {
    fake, venue, exec, reports, problems, infos, sleeps, registry,
    place: (cid, r) => {
      const ord = registry.create(cid, r, Date.now());
      registry.apply(ord, 'submit', Date.now());
      exec.submit({ clientOrderId: cid, request: r, ts: Date.now() });
    },
    close: async () => {
      exec.disconnect();
      await fake.close();
    },
  };
}

export const reportsOf = (r: Rig, kind: ExecutionReport['kind'], cid?: string): ExecutionReport[] =>
  r.reports.filter((x) => x.kind === kind && (cid === undefined || x.clientOrderId === cid));

export { until };
