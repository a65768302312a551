/** The REAL ccxt adapter as a session assembles it (client.ts: order, ledger and switch instances, the dcp subscription) against the hostile Bybit server. */
import { openCcxtClient, type CcxtClient } from '../../src/venues/ccxt/client.ts';
import { BYBIT_PROFILE } from '../../src/venues/ccxt/profile-bybit.ts';
import { resolveCcxtSettings } from '../../src/venues/ccxt/index.ts';
import type { AccountEntry, ExecutionReport } from '../../src/ports/index.ts';
import { CREDS, SYMBOL, startBybitHostile, type BybitHostile } from './bybit-hostile-server.ts';
import { until } from './okx-harness.ts';

export { until, sleep } from './okx-harness.ts';

export const settingsOf = (h: BybitHostile) => resolveCcxtSettings(BYBIT_PROFILE, {
  BYBIT_API_KEY: CREDS.apiKey, BYBIT_SECRET: CREDS.secret, BYBIT_BASE_URL: h.restUrl, BYBIT_WS_URL: h.wsUrl,
}, { live: false });

export interface BRig {
  h: BybitHostile; c: CcxtClient; reports: ExecutionReport[]; entries: AccountEntry[]; said: string[];
  close(): Promise<void>;
}

export async function brig(o: { deadMan?: boolean; before?: (h: BybitHostile) => void; connect?: boolean; symbols?: string[] } = {}): Promise<BRig> {
  const h = await startBybitHostile();
  o.before?.(h);
  const said: string[] = [];
  const c = await openCcxtClient(BYBIT_PROFILE, settingsOf(h), {
    symbols: o.symbols ?? [SYMBOL], terms: () => ({ leverage: 3, marginMode: 'cross' }), deadMan: { enabled: o.deadMan === true, timeoutSec: 10, refreshSec: 5 },
    enableRateLimit: false, say: (l, m) => said.push(`${l} ${m}`), tuning: { reconnectInitialMs: 50, billsPollMs: 0, heartbeatMs: 0 },
  }).catch(async (err: unknown) => { await h.close(); throw err; });
  const reports: ExecutionReport[] = [];
  const entries: AccountEntry[] = [];
  const r: BRig = { h, c, reports, entries, said, close: async () => { await c.execution.disconnect().catch(() => undefined); await h.close(); } };
  if (o.connect === false) return r;
  try {
    await c.execution.connect((x) => reports.push(x), undefined, (e) => entries.push(e));
    if (o.deadMan === true) await c.deadMan?.start();
    await until('order and execution topics', () => h.subscribed('order') > 0 && h.subscribed('execution') > 0, 5000).catch(() => undefined);
  } catch (err) { await r.close(); throw err; }
  return r;
}

export function leaks(text: string): string[] {
  return [CREDS.secret, CREDS.apiKey].filter((s) => text.includes(s));
}
