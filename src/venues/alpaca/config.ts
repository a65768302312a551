/**
 * Alpaca settings from the environment (or a `.env` file): keys, and where the REST API and the
 * two streams are. Paper is the default; only `live: true` (the --live flag) selects a live
 * account, and a URL that contradicts the chosen mode refuses to start: a paper session must never
 * reach api.alpaca.markets, a live one never paper-api. Hosts are compared canonically by the
 * shared live-host guard (../endpoint-guard.ts): a trailing dot, upper case or userinfo does not
 * disguise the live API, and an unknown host is live (--live and the typed confirm) or refused.
 */
import { secrets } from '../../util/secrets.ts';
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { AlpacaConfigError } from './errors.ts';
import { type EndpointSet, checkEndpoint, isLoopbackHost } from '../endpoint-guard.ts';

export const PAPER_BASE_URL = 'https://paper-api.alpaca.markets';
export const LIVE_BASE_URL = 'https://api.alpaca.markets';
export const DATA_STREAM_URL = 'wss://stream.data.alpaca.markets';

export interface AlpacaSettings {
  readonly keyId: string;
  readonly secretKey: string;
  readonly live: boolean;
  /** REST origin (and optional path prefix), e.g. https://paper-api.alpaca.markets. */
  readonly baseUrl: string;
  /** trade_updates stream, e.g. wss://paper-api.alpaca.markets/stream. */
  readonly streamUrl: string;
  /** Market data stream host, e.g. wss://stream.data.alpaca.markets (feed paths are appended). */
  readonly dataUrl: string;
  /**
   * Market data REST origin (historical bars), e.g. https://data.alpaca.markets: derived from the data
   * stream's host (stream.data.X -> data.X; a local venue serves both on one port, ws -> http).
   */
  readonly dataRestUrl: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The environment with `.env` underneath it (real environment variables win). Nothing is mutated. */
export function envWithDotEnv(env: Env = process.env, file = '.env'): Env {
  if (!existsSync(file)) return env;
  const fromFile = parseEnv(readFileSync(file, 'utf8'));
  return { ...fromFile, ...env };
}

/** Alpaca's hosts, for the live-host guard (../endpoint-guard.ts). */
export const ALPACA_ENDPOINTS: EndpointSet = {
  venue: 'Alpaca',
  live: ['api.alpaca.markets'],
  paper: ['paper-api.alpaca.markets'],
  shared: ['stream.data.alpaca.markets', 'data.alpaca.markets'],
};

/** One endpoint through the guard: canonical host, the mode's rules, plain only to this machine. */
function endpoint(name: string, value: string, live: boolean, protocols: readonly string[]): URL {
  const v = checkEndpoint(name, value, ALPACA_ENDPOINTS, { live, protocols });
  if (!v.ok) throw new AlpacaConfigError(v.message);
  return v.url;
}

export function resolveAlpacaSettings(env: Env, opts: { readonly live: boolean }): AlpacaSettings {
  const keyId = env.ALPACA_KEY_ID?.trim() ?? '';
  const secretKey = env.ALPACA_SECRET_KEY?.trim() ?? '';
  // The values this process now holds are scrubbed from every sink (journal, store, recording, terminal).
  secrets.add(secretKey, keyId);
  const missing = [keyId === '' ? 'ALPACA_KEY_ID' : null, secretKey === '' ? 'ALPACA_SECRET_KEY' : null].filter((x) => x !== null);
  if (missing.length > 0) throw new AlpacaConfigError(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: put them in the environment or in .env (see .env.example)`);

  const live = opts.live;
  const base = endpoint('ALPACA_BASE_URL', (env.ALPACA_BASE_URL?.trim() || (live ? LIVE_BASE_URL : PAPER_BASE_URL)), live, ['https:', 'http:']);
  const wsProto = base.protocol === 'http:' ? 'ws:' : 'wss:';
  const stream = endpoint('ALPACA_STREAM_URL', env.ALPACA_STREAM_URL?.trim() || `${wsProto}//${base.host}/stream`, live, ['wss:', 'ws:']);
  // A local venue serves market data on its own port too; a real one uses Alpaca's data host.
  const data = endpoint('ALPACA_DATA_URL', env.ALPACA_DATA_URL?.trim() || (isLoopbackHost(base.hostname) ? `${wsProto}//${base.host}` : DATA_STREAM_URL), live, ['wss:', 'ws:']);
  const dataRest = endpoint('the market data REST origin (from ALPACA_DATA_URL)', dataRestOrigin(data), live, ['https:', 'http:']);
  return {
    keyId, secretKey, live,
    baseUrl: base.href.replace(/\/$/, ''),
    streamUrl: stream.href,
    dataUrl: data.href.replace(/\/$/, ''),
    dataRestUrl: dataRest.origin,
  };
}

/** The REST origin of a market data stream URL: wss://stream.data.alpaca.markets -> https://data.alpaca.markets. */
function dataRestOrigin(stream: URL): string {
  const proto = stream.protocol === 'ws:' ? 'http:' : 'https:';
  const host = stream.host.startsWith('stream.data.') ? stream.host.slice('stream.'.length) : stream.host;
  return `${proto}//${host}`;
}

/** For logs and the console: everything but the secret (the key id is shown shortened). */
export function describeSettings(s: AlpacaSettings): string {
  const key = s.keyId.length > 6 ? `${s.keyId.slice(0, 4)}…${s.keyId.slice(-2)}` : '…';
  return `alpaca ${s.live ? 'LIVE' : 'paper'} ${s.baseUrl} (stream ${s.streamUrl}, data ${s.dataUrl}, key ${key})`;
}
