/**
 * The unsigned admin every crypto fake (OKX, Binance, Bybit, Deribit) serves under /admin on its
 * own port: GET state; POST advance, time-scale, bars, fund, faults, plus a venue's own routes.
 * One router, so the four answer alike (a body that is not JSON or fails its schema is a 400 that
 * names the field; an unknown route a 404); only the key of the fund answer is the venue's word
 * for what funding books (OKX billIds, Binance tranIds, Bybit transactionIds, Deribit logIds).
 */
import { z } from 'zod';
import { zodMessage } from '../util/zod-message.ts';

/** A bar pushed by the admin; `ts` defaults to the venue clock now; `instId` in the venue's own naming. */
export interface CryptoBarIn {
  readonly instId: string;
  readonly ts?: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume?: number;
}

/** What a crypto fake's admin does, in-process (`fake.admin`) or over HTTP (this router). */
export interface CryptoAdmin<Fault, State> {
  now(): number;
  advance(ms: number): void;
  setTimeScale(scale: number): void;
  pushBar(bar: CryptoBarIn): void;
  /** Book funding on open perpetual positions now; returns the ids of what it booked. */
  fundNow(instId?: string, rate?: number): string[];
  /** Parses the fault itself (the venue's own schema): a bad one throws, answered as a 400. */
  inject(fault: Fault): void;
  state(): State;
}

export const AdminBar = z.strictObject({
  instId: z.string().min(1), ts: z.number().int().optional(), open: z.number().positive(), high: z.number().positive(), low: z.number().positive(),
  close: z.number().positive(), volume: z.number().min(0).optional(),
});
export const AdminBars = z.strictObject({ bars: z.array(AdminBar).min(1) });
export const AdminAdvance = z.strictObject({ ms: z.number().min(0) });
export const AdminScale = z.strictObject({ scale: z.number().min(0) });
export const AdminFund = z.strictObject({ instId: z.string().optional(), rate: z.number().optional() });

export interface AdminAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Parses a route's body; a body its schema refuses throws, answered as a 400 naming the field. */
export type AdminParse = <T>(schema: z.ZodType<T>) => T;

export interface AdminRoutes {
  /** The key the fund answer lists the booked ids under. */
  readonly fundKey: string;
  /** A venue's own POST routes, by path under /admin/; a throw is a 400 with its message. */
  readonly extra?: Readonly<Record<string, (parse: AdminParse, json: unknown) => AdminAnswer>>;
}

/** Answers one admin request: `path` is what follows /admin/, `raw` the request body. */
export function routeAdmin<Fault, State>(admin: CryptoAdmin<Fault, State>, routes: AdminRoutes, method: string, path: string, raw: string): AdminAnswer {
  let json: unknown = {};
  try {
    json = raw === '' ? {} : JSON.parse(raw);
  } catch {
    return { status: 400, body: { error: 'body is not JSON' } };
  }
  const parse: AdminParse = (schema) => {
    const r = schema.safeParse(json);
    if (!r.success) throw new Error(zodMessage(r.error));
    return r.data;
  };
  try {
    if (method === 'GET' && path === 'state') return { status: 200, body: admin.state() };
    if (method !== 'POST') return { status: 404, body: { error: `no admin route ${method} /admin/${path}` } };
    switch (path) {
      case 'advance': { const b = parse(AdminAdvance); admin.advance(b.ms); return { status: 200, body: { now: admin.now() } }; }
      case 'time-scale': { const b = parse(AdminScale); admin.setTimeScale(b.scale); return { status: 200, body: { now: admin.now(), scale: b.scale } }; }
      case 'bars': { const b = parse(AdminBars); for (const bar of b.bars) admin.pushBar(bar); return { status: 200, body: { played: b.bars.length } }; }
      case 'fund': { const b = parse(AdminFund); return { status: 200, body: { [routes.fundKey]: admin.fundNow(b.instId, b.rate) } }; }
      // The venue's inject parses the fault with its own schema: the cast hands it over unread.
      case 'faults': admin.inject(json as Fault); return { status: 200, body: { ok: true } };
      default: {
        const own = Object.hasOwn(routes.extra ?? {}, path) ? routes.extra?.[path] : undefined;
        return own !== undefined ? own(parse, json) : { status: 404, body: { error: `no admin route POST /admin/${path}` } };
      }
    }
  } catch (e) {
    return { status: 400, body: { error: (e as Error).message } };
  }
}
