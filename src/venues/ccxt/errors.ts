/** Typed failures of the ccxt adapter: the engine logs them and carries on. */
import { z } from 'zod';

/** The venue (through ccxt) answered with an error: `ccxtName` is ccxt's class (InvalidOrder, ...). */
export class CcxtApiError extends Error {
  constructor(readonly ccxtName: string, message: string) {
    super(message);
    this.name = 'CcxtApiError';
  }
}

/** The request may not have arrived (timeout, closed socket, 5xx): ask the venue before acting again. */
export class CcxtNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CcxtNetworkError';
  }
}

/** ccxt handed back something that does not match the shape the adapter reads. */
export class CcxtProtocolError extends Error {
  constructor(readonly where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'CcxtProtocolError';
  }
}

/** Settings that cannot work (missing keys, a live host without --live). */
export class CcxtConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CcxtConfigError';
  }
}

export type CcxtProblem = CcxtApiError | CcxtNetworkError | CcxtProtocolError;

/**
 * The venue's own error codes in a ccxt error: ccxt's message is "<id> <the venue's answer>" (OKX:
 * {"code":"1","data":[{"sCode":"51016",...}]}), and its class is ccxt's guess from one of them
 * (51016 "Duplicated client order ID" is InvalidOrder there), so a rule about a code reads the code.
 */
export function venueCodesOf(err: unknown): string[] {
  const msg = err instanceof Error ? err.message : String(err);
  const at = msg.indexOf('{');
  if (at < 0) return [];
  let body: unknown;
  try { body = JSON.parse(msg.slice(at)); } catch { return []; }
  const r = VenueAnswer.safeParse(body);
  if (!r.success) return [];
  const codes = (r.data.data ?? []).map((d) => d.sCode).filter((c): c is string => c !== undefined && c !== '');
  // The answer's own code wherever the venue keeps it: OKX / Binance `code`, Bybit `retCode`, Deribit's JSON-RPC `error.code`.
  const own = [r.data.code, r.data.retCode, r.data.error?.code].filter((c): c is string => c !== undefined && c !== '');
  return [...codes, ...own];
}

const Code = z.union([z.string(), z.number().transform(String)]).optional().catch(undefined);
const VenueAnswer = z.looseObject({
  retCode: Code,
  error: z.looseObject({ code: Code }).optional().catch(undefined),
  code: z.union([z.string(), z.number().transform(String)]).optional(),
  data: z.array(z.looseObject({ sCode: z.union([z.string(), z.number().transform(String)]).optional() })).optional().catch(undefined),
});

/**
 * The venue refused a request's timestamp (ccxt InvalidNonce, a NetworkError to ccxt: OKX 50102):
 * this machine's clock is off from the venue's. `offsetMs` (venue minus ours) when it is known.
 */
export function clockError(venue: string, offsetMs: number | null, err: unknown): CcxtConfigError {
  const msg = err instanceof Error ? err.message : String(err);
  const by = offsetMs === null || !Number.isFinite(offsetMs) ? 'off'
    : `${Math.abs(offsetMs / 1000).toFixed(1)} s ${offsetMs > 0 ? 'behind' : 'ahead of'}`;
  return new CcxtConfigError(`this machine's clock is ${by}${offsetMs === null ? ' from' : ''} ${venue}'s: the venue refused the request's time (${msg}); sync the clock with NTP (timedatectl set-ntp true, or chronyc makestep) and start again`);
}
