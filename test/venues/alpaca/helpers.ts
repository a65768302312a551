/** Shared test plumbing: a venue server in-process and the real SDK pointed at it. */
import { startVenueServer, type VenueServer, type VenueServerOptions } from '../../../src/venue-server/index.ts';
import { createAlpacaVenue, resolveAlpacaSettings, type AlpacaExecution, type AlpacaProblem } from '../../../src/venues/alpaca/index.ts';
import { InstrumentRegistry } from '../../../src/domain/instrument-registry.ts';
import { makeInstrument } from '../../../src/domain/instrument.ts';
import type { ExecutionReport } from '../../../src/ports/index.ts';

export const KEY = 'test-key-id';
export const SECRET = 'test-secret-key';

export async function venue(opts: Partial<VenueServerOptions> = {}): Promise<VenueServer> {
  return startVenueServer({ keyId: KEY, secretKey: SECRET, ...opts });
}

export function settingsFor(server: VenueServer) {
  return resolveAlpacaSettings({ ALPACA_KEY_ID: KEY, ALPACA_SECRET_KEY: SECRET, ALPACA_BASE_URL: server.url }, { live: false });
}

export interface Harness {
  readonly exec: AlpacaExecution;
  readonly reports: ExecutionReport[];
  readonly problems: AlpacaProblem[];
  close(): void;
}

export const instruments = new InstrumentRegistry([
  makeInstrument('BTC-USD', 'alpaca'),
  makeInstrument('AAPL', 'alpaca'),
]);

export async function connectAdapter(server: VenueServer): Promise<Harness> {
  const problems: AlpacaProblem[] = [];
  const v = createAlpacaVenue({
    settings: settingsFor(server), rest: { clientRateLimit: false, backoffMs: 10, timeoutMs: 5000 }, heartbeatMs: 0,
    initialReconnectMs: 50, maxReconnectMs: 200, onProblem: (p) => problems.push(p),
  });
  const exec = v.execution(instruments);
  const reports: ExecutionReport[] = [];
  await exec.connect((r) => reports.push(r));
  return { exec, reports, problems, close: () => exec.disconnect() };
}

export async function waitFor<T>(fn: () => T | undefined | false | null, what: string, ms = 4000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let barTs = Date.UTC(2030, 0, 7, 15, 0, 0);
/** Next one-minute bar time, strictly after anything the venue has seen (venue time follows bars). */
export function nextTs(): number {
  barTs += 60_000;
  return barTs;
}

export async function pushBar(server: VenueServer, S: string, o: number, h: number, l: number, c: number, v = 1000): Promise<void> {
  const res = await fetch(`${server.url}/parity/bars`, { method: 'POST', body: JSON.stringify({ bars: [{ S, t: nextTs(), o, h, l, c, v }] }) });
  if (res.status !== 200) throw new Error(`push bar: ${res.status} ${await res.text()}`);
}

export async function faults(server: VenueServer, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${server.url}/parity/faults`, { method: 'POST', body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`faults: ${res.status} ${await res.text()}`);
}

export interface Stats {
  submissions: Record<string, number>;
  duplicates: Record<string, number>;
  throttled: Record<string, number>;
  cancelAllCalls: number;
  orders: number;
  fills: number;
}

export async function stats(server: VenueServer): Promise<Stats> {
  return (await (await fetch(`${server.url}/parity/stats`)).json()) as Stats;
}

export const kinds = (reps: readonly ExecutionReport[], cid: string): string[] => reps.filter((r) => r.clientOrderId === cid).map((r) => r.kind);

/**
 * Report kinds, each at its first appearance: the adapter keeps no order state, so an ack heard from
 * the REST answer and again from the stream (perhaps after a fill) is passed on twice; the engine's
 * registry takes the first and ignores the late one.
 */
export const kindsFolded = (reps: readonly ExecutionReport[], cid: string): string[] => [...new Set(kinds(reps, cid))];
