/**
 * A ccxt venue's settings from the environment (or `.env`): keys, paper (the venue's demo trading)
 * unless --live, and REST / websocket overrides for a local fake, every URL through the shared
 * live-host guard. Then the ccxt instance itself, built from the profile's data.
 */
import ccxt, { type Exchange } from 'ccxt';
import { secrets } from '../../util/secrets.ts';
import { checkEndpoint } from '../endpoint-guard.ts';
import { CcxtConfigError } from './errors.ts';
import type { CcxtProfile } from './profiles.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface CcxtSettings {
  readonly apiKey: string;
  readonly secret: string;
  readonly password: string | null;
  readonly live: boolean;
  /** Overrides (a local fake); undefined = ccxt's own hosts for the mode. */
  readonly restUrl?: string;
  readonly wsUrl?: string;
}

export function resolveCcxtSettings(p: CcxtProfile, env: Env, o: { readonly live: boolean; readonly restUrl?: string; readonly wsUrl?: string }): CcxtSettings {
  const get = (k: string | null): string => (k === null ? '' : env[k]?.trim() ?? '');
  const apiKey = get(p.env.apiKey);
  const secret = get(p.env.secret);
  const password = p.env.password === null ? null : get(p.env.password);
  secrets.add(secret, apiKey, ...(password !== null ? [password] : []));
  const missing = [apiKey === '' ? p.env.apiKey : null, secret === '' ? p.env.secret : null, password === '' ? p.env.password : null].filter((x) => x !== null);
  if (missing.length > 0) throw new CcxtConfigError(`${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set: put them in the environment or in .env (see .env.example)${o.live ? '' : `; paper trades on ${p.endpoints.venue}'s demo / test account, whose keys are made ${p.paperKeys}`}`);
  const url = (name: string, value: string | undefined, protocols: readonly string[]): string | undefined => {
    const v = value?.trim();
    if (v === undefined || v === '') return undefined;
    const r = checkEndpoint(name, v, p.endpoints, { live: o.live, protocols });
    if (!r.ok) throw new CcxtConfigError(r.message);
    return r.url.href.replace(/\/$/, '');
  };
  // The environment wins over the config file, as for the keys.
  const restUrl = url(p.env.restUrl, env[p.env.restUrl] || o.restUrl, ['https:', 'http:']);
  const wsUrl = url(p.env.wsUrl, env[p.env.wsUrl] || o.wsUrl, ['wss:', 'ws:']);
  return { apiKey, secret, password, live: o.live, ...(restUrl !== undefined ? { restUrl } : {}), ...(wsUrl !== undefined ? { wsUrl } : {}) };
}

/** For logs and the console: everything but the secrets (the key shortened). */
export function describeCcxtSettings(p: CcxtProfile, s: CcxtSettings): string {
  const key = s.apiKey.length > 6 ? `${s.apiKey.slice(0, 4)}…${s.apiKey.slice(-2)}` : '…';
  return `${p.name} ${s.live ? 'LIVE' : 'demo (paper)'}${s.restUrl !== undefined ? ` ${s.restUrl}` : ''}${s.wsUrl !== undefined ? ` (ws ${s.wsUrl})` : ''}, key ${key}`;
}

function setPath(target: Record<string, unknown>, path: string, value: string): void {
  const keys = path.split('.');
  let at = target;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    if (typeof next !== 'object' || next === null) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]!] = value;
}

/**
 * Every URL string under `api` (ccxt's nested host table) as `${override}/${host}${path}`: http(s)
 * ones to the REST override, ws(s) ones to the websocket override (left alone when that one is not
 * given). ccxt's `{hostname}` placeholder stays in the host segment and is filled in by ccxt.
 */
export function rewriteOrigins(api: unknown, restUrl: string | undefined, wsUrl: string | undefined): unknown {
  if (typeof api === 'string') {
    const m = /^(https?|wss?):\/\/([^/]+)(.*)$/.exec(api);
    if (m === null) return api;
    const base = m[1]!.startsWith('ws') ? wsUrl : restUrl;
    return base === undefined ? api : `${base}/${m[2]!}${m[3]!}`;
  }
  if (Array.isArray(api)) return api.map((x) => rewriteOrigins(x, restUrl, wsUrl));
  if (typeof api === 'object' && api !== null) return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, rewriteOrigins(v, restUrl, wsUrl)]));
  return api;
}

/**
 * One ccxt.pro instance (REST and websockets) for the profile. The dead-man switch gets a second
 * one (its call costs several requests in ccxt's throttle): call this twice.
 */
export async function createExchange(p: CcxtProfile, s: CcxtSettings, o: { readonly enableRateLimit?: boolean } = {}): Promise<Exchange> {
  const Cls = (ccxt.pro as unknown as Record<string, (new (cfg: Record<string, unknown>) => Exchange) | undefined>)[p.ccxtId];
  if (Cls === undefined) throw new CcxtConfigError(`ccxt has no websocket class "${p.ccxtId}" (profile ${p.name})`);
  const ex = new Cls({
    apiKey: s.apiKey, secret: s.secret, ...(s.password !== null ? { password: s.password } : {}),
    enableRateLimit: o.enableRateLimit ?? true, options: { ...p.ccxtOptions },
  });
  // Paper first: sandbox / demo mode copies its own hosts over urls.api, and would undo the overrides.
  if (!s.live) {
    if (p.paperBy === 'sandbox') ex.setSandboxMode(true);
    else (ex as unknown as { enableDemoTrading(on: boolean): void }).enableDemoTrading(true);
  }
  const urls = ex.urls as unknown as Record<string, unknown>;
  const o2 = p.urlOverride;
  if (o2.kind === 'paths') {
    if (s.restUrl !== undefined) setPath(urls, o2.rest, s.restUrl);
    if (s.wsUrl !== undefined) setPath(urls, o2.ws, s.wsUrl);
  } else if (s.restUrl !== undefined || s.wsUrl !== undefined) {
    urls['api'] = rewriteOrigins(urls['api'], s.restUrl, s.wsUrl);
  }
  // ccxt refuses a plain ws:// socket until its proxy agent module is loaded.
  if (s.wsUrl?.startsWith('ws:') === true) await ex.loadHttpProxyAgent();
  return ex;
}
