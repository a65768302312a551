/** Typed failures of the Alpaca adapter: the engine logs them and carries on; none of them crashes it. */
import { isLoopbackHost } from '../endpoint-guard.ts';

/** The API answered with an error status ({code, message}). */
export class AlpacaApiError extends Error {
  constructor(readonly status: number, readonly code: number | string | undefined, message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = 'AlpacaApiError';
  }
  get duplicateClientOrderId(): boolean {
    return this.status === 422 && /client_order_id/i.test(this.message) && /unique|exist|duplicate/i.test(this.message);
  }
}

/** The request may or may not have reached Alpaca (network error, timeout, 5xx): never resend blindly. */
export class AlpacaNetworkError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'AlpacaNetworkError';
  }
}

/** Alpaca sent something that does not match its documented shape (a REST body or a stream frame). */
export class AlpacaProtocolError extends Error {
  constructor(readonly where: string, message: string, readonly payload?: unknown) {
    super(`${where}: ${message}`);
    this.name = 'AlpacaProtocolError';
  }
}

/** Settings that cannot work (missing keys, a URL that contradicts paper / live). */
export class AlpacaConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlpacaConfigError';
  }
}

export type AlpacaProblem = AlpacaApiError | AlpacaNetworkError | AlpacaProtocolError;

/** Why a request never got an HTTP answer, in a user's words, and what to check. */
export interface FetchFailure {
  readonly kind: 'refused' | 'dns' | 'tls' | 'timeout' | 'reset' | 'unreachable' | 'bad-port' | 'other';
  /** "connection refused", "host name not found (DNS: ENOTFOUND no-such-host.invalid)" … */
  readonly reason: string;
}

/**
 * Digs the cause out of a failed fetch. The SDK wraps it (FetchError "The request failed and the
 * interceptors did not return an alternative response" → TypeError "fetch failed" → the socket's
 * own error with its code, sometimes an AggregateError of one per address); a timeout is the SDK's
 * deadline (DOMException TimeoutError). Nothing here reads headers, so no key can leak into it.
 */
export function fetchFailureOf(err: unknown, timeoutMs?: number): FetchFailure {
  const chain: unknown[] = [];
  const seen = new Set<unknown>();
  const walk = (e: unknown): void => {
    if (e === null || e === undefined || seen.has(e) || chain.length > 20) return;
    seen.add(e);
    chain.push(e);
    if (e instanceof AggregateError) for (const x of e.errors) walk(x);
    if (typeof e === 'object' && 'cause' in e) walk((e as { cause: unknown }).cause);
  };
  walk(err);
  const codeOf = (e: unknown): string => (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : '');
  const nameOf = (e: unknown): string => (e instanceof Error || (typeof e === 'object' && e !== null && 'name' in e) ? String((e as { name: unknown }).name) : '');
  const msgOf = (e: unknown): string => (e instanceof Error ? e.message : typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : String(e));

  for (const e of chain) {
    const code = codeOf(e);
    if (code === '') continue;
    if (code === 'ECONNREFUSED') return { kind: 'refused', reason: 'connection refused' };
    if (code === 'ENOTFOUND') return { kind: 'dns', reason: `host name not found (DNS ${code}${hostOf(e)})` };
    if (code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NODATA' || code === 'EAI_NONAME') return { kind: 'dns', reason: `host name could not be resolved (DNS ${code}${hostOf(e)}: no network or no resolver?)` };
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return { kind: 'reset', reason: `the server closed the connection (${code})` };
    if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return { kind: 'timeout', reason: `connecting timed out (${code})` };
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { kind: 'timeout', reason: `the server accepted but did not answer in time (${code})` };
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL') return { kind: 'unreachable', reason: `host or network unreachable (${code})` };
    if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') return { kind: 'tls', reason: `TLS handshake failed (${code}): the server does not speak https here` };
    if (/^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code)) return { kind: 'tls', reason: `TLS certificate or handshake failed (${code})` };
  }
  for (const e of chain) {
    if (nameOf(e) === 'TimeoutError') return { kind: 'timeout', reason: timeoutMs !== undefined ? `timed out: no answer within ${timeoutMs} ms` : `timed out: ${msgOf(e)}` };
  }
  for (const e of chain) {
    // undici refuses the Fetch standard's "bad ports" (9, 6000, 6665-6669 …) before connecting.
    if (msgOf(e) === 'bad port') return { kind: 'bad-port', reason: 'fetch refuses this port (a "bad port" in the Fetch standard, such as 9 or 6000)' };
  }
  for (const e of chain) {
    if (nameOf(e) === 'AbortError') return { kind: 'other', reason: 'the request was aborted' };
  }
  // The innermost message: the most specific one the chain has.
  const last = chain[chain.length - 1];
  const code = codeOf(last);
  return { kind: 'other', reason: `${msgOf(last)}${code !== '' && !msgOf(last).includes(code) ? ` (${code})` : ''}` };
}

function hostOf(e: unknown): string {
  const h = typeof e === 'object' && e !== null ? (e as { hostname?: unknown }).hostname : undefined;
  return typeof h === 'string' && h !== '' ? ` ${h}` : '';
}

/**
 * The message for a request that got no answer: the URL, the cause, and the setting to check.
 * `setting` is the environment variable that chose this host (ALPACA_BASE_URL, ALPACA_DATA_URL).
 */
export function unreachableMessage(url: string, setting: string, f: FetchFailure): string {
  let host = '';
  try { host = new URL(url).hostname; } catch { /* not a URL: no host hint */ }
  const local = host !== '' && isLoopbackHost(host);
  const hint = (() => {
    switch (f.kind) {
      case 'refused': return local ? `is parity venue running? check ${setting}` : `check ${setting}`;
      case 'dns': return `check the host name in ${setting}, and the network`;
      case 'tls': return `check ${setting}: https:// for Alpaca, http:// for a local parity venue`;
      case 'timeout': return local ? `is ${setting} the port parity venue listens on? check ${setting}` : `check ${setting} and the network`;
      case 'bad-port': return `use another port in ${setting}`;
      case 'reset':
      case 'unreachable':
      case 'other': return `check ${setting}`;
    }
  })();
  return `cannot reach Alpaca at ${url}: ${f.reason} (${hint})`;
}

/** The message for 401 / 403 on the keys: never the keys themselves. */
export function keysRefusedMessage(status: number, url: string, venueSays: string, live: boolean): string {
  const said = venueSays !== '' && !/^Response returned an error code/.test(venueSays) ? `: ${venueSays}` : '';
  return `Alpaca refused the keys (HTTP ${status}${said}) at ${url}: check ALPACA_KEY_ID / ALPACA_SECRET_KEY and that they are ${live ? 'live keys for the live host (--live)' : 'paper keys for the paper host'}`;
}

/** The message for keys the trade_updates stream refused (the SDK does not retry): never the keys. */
export function streamKeysRefusedMessage(url: string, live: boolean): string {
  return `Alpaca refused the keys on the trade_updates stream at ${url} (unauthorized): check ALPACA_KEY_ID / ALPACA_SECRET_KEY and that they are ${live ? 'live keys for the live host (--live)' : 'paper keys for the paper host'}`;
}
