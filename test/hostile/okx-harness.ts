/** The REAL ccxt adapter (as src/modes/ccxt.ts builds it) against the hostile OKX server. */
import type { Exchange } from 'ccxt';
import { CcxtExecution, DeadManSwitch, OKX_PROFILE, createExchange, instrumentsFromMarkets, resolveCcxtSettings } from '../../src/venues/ccxt/index.ts';
import { InstrumentRegistry } from '../../src/domain/instrument-registry.ts';
import type { AccountEntry, ExecutionReport } from '../../src/ports/index.ts';
import { CREDS, SYMBOL, startHostile, type Hostile } from './okx-hostile-server.ts';

/** Through the real settings path (it also registers the keys with the process's scrubber, as a session does). */
export const settingsOf = (h: Hostile) => resolveCcxtSettings(OKX_PROFILE, {
  OKX_API_KEY: CREDS.apiKey, OKX_SECRET: CREDS.secret, OKX_PASSPHRASE: CREDS.passphrase, OKX_BASE_URL: h.restUrl, OKX_WS_URL: h.wsUrl,
}, { live: false });

export async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Rig {
  h: Hostile; ex: Exchange; exec: CcxtExecution; reports: ExecutionReport[]; entries: AccountEntry[]; problems: string[]; infos: string[];
  close(): Promise<void>;
}

export async function rig(o: { connect?: boolean; deadMan?: DeadManSwitch | null; before?: (h: Hostile) => void; ws?: boolean; retryMs?: number; keepAliveMs?: number } = {}): Promise<Rig> {
  const h = await startHostile();
  o.before?.(h);
  const ex = await createExchange(OKX_PROFILE, settingsOf(h), { enableRateLimit: false });
  if (o.keepAliveMs !== undefined) (ex as unknown as { streaming: Record<string, unknown> }).streaming = { ...(ex as unknown as { streaming: Record<string, unknown> }).streaming, keepAlive: o.keepAliveMs };
  await ex.loadMarkets();
  const symbols = [SYMBOL];
  const instruments = new InstrumentRegistry(instrumentsFromMarkets(ex, 'okx', symbols, () => ({ leverage: 3, marginMode: 'cross' })));
  const problems: string[] = [];
  const infos: string[] = [];
  const exec = new CcxtExecution({
    profile: OKX_PROFILE, exchange: ex, instruments, symbols, live: false, reconnectInitialMs: 50, reconnectMaxMs: 200, billsPollMs: 0, heartbeatMs: 0,
    deadMan: o.deadMan ?? null, onProblem: (p) => problems.push(`${p.name}: ${p.message}`), onInfo: (m) => infos.push(m),
    ...(o.retryMs !== undefined ? { retryMs: o.retryMs } : { retryMs: 50 }),
  });
  const reports: ExecutionReport[] = [];
  const entries: AccountEntry[] = [];
  const r: Rig = {
    h, ex, exec, reports, entries, problems, infos,
    close: async () => { await exec.disconnect().catch(() => undefined); await h.close(); },
  };
  if (o.connect !== false) {
    await exec.connect((x) => reports.push(x), undefined, (e) => entries.push(e));
    if (o.ws !== false) await until('private socket subscribed', () => h.privateSockets() > 0, 3000).catch(() => undefined);
  }
  return r;
}

/** A secret of the hostile server's keys anywhere in `text`. */
export function leaks(text: string): string[] {
  return [CREDS.secret, CREDS.passphrase, CREDS.apiKey].filter((s) => text.includes(s));
}
