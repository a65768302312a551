/** The REAL ccxt adapter as a session assembles it (client.ts: order connection, dead-man switch, ledger instance) against the hostile Deribit server. */
import { openCcxtClient, type CcxtClient } from '../../src/venues/ccxt/client.ts';
import { DERIBIT_PROFILE } from '../../src/venues/ccxt/profile-deribit.ts';
import { resolveCcxtSettings } from '../../src/venues/ccxt/index.ts';
import type { AccountEntry, ExecutionReport } from '../../src/ports/index.ts';
import { CREDS, SYMBOL, startDeribitHostile, type DeribitHostile } from './deribit-hostile-server.ts';

export { until, sleep } from './okx-harness.ts';

export const settingsOf = (h: DeribitHostile) => resolveCcxtSettings(DERIBIT_PROFILE, {
  DERIBIT_API_KEY: CREDS.apiKey, DERIBIT_SECRET: CREDS.secret, DERIBIT_BASE_URL: h.restUrl, DERIBIT_WS_URL: h.wsUrl,
}, { live: false });

export interface DRig {
  h: DeribitHostile; c: CcxtClient; reports: ExecutionReport[]; entries: AccountEntry[]; said: string[];
  close(): Promise<void>;
}

export async function drig(o: { deadMan?: boolean; before?: (h: DeribitHostile) => void } = {}): Promise<DRig> {
  const h = await startDeribitHostile();
  o.before?.(h);
  const said: string[] = [];
  const c = await openCcxtClient(DERIBIT_PROFILE, settingsOf(h), {
    symbols: [SYMBOL], terms: () => ({ leverage: 3, marginMode: 'cross' }), deadMan: { enabled: o.deadMan === true, timeoutSec: 60, refreshSec: 15 },
    enableRateLimit: false, say: (l, m) => said.push(`${l} ${m}`), tuning: { reconnectInitialMs: 50, billsPollMs: 0, heartbeatMs: 0 },
  }).catch(async (err: unknown) => { await h.close(); throw err; });
  const reports: ExecutionReport[] = [];
  const entries: AccountEntry[] = [];
  const r: DRig = { h, c, reports, entries, said, close: async () => { await c.execution.disconnect().catch(() => undefined); await h.close(); } };
  try {
    if (o.deadMan === true) await c.deadMan?.start();
    await c.execution.connect((x) => reports.push(x), undefined, (e) => entries.push(e));
  } catch (err) { await r.close(); throw err; }
  return r;
}

export function leaks(text: string): string[] {
  return [CREDS.secret, CREDS.apiKey].filter((s) => text.includes(s));
}
