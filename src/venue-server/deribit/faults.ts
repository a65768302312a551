/**
 * Fault injection for the Deribit fake: the OKX fake's kinds (one FaultState), a Deribit error code
 * for rejects, and which websockets a drop cuts: every logged-in one (`dropPrivate`), only those
 * with subscriptions (`dropStreams`: ccxt's, the order connection stays), or only those that
 * placed orders (`dropOrderEntry`: cancel-on-disconnect fires there); or leaves those open and
 * silent (`stallOrderEntry`: a half-open link the client's watchdog has to notice).
 */
import { z } from 'zod';
import { zodMessage } from '../../util/zod-message.ts';
import { OkxFault, type OkxFaultT } from '../okx/faults.ts';

export const DeribitFault = OkxFault.extend({
  /** A Deribit error code for `reject` (default 10009 not_enough_funds). */
  rejectCode: z.string().regex(/^\d{5}$/).optional(),
  dropStreams: z.literal(true).optional(),
  dropOrderEntry: z.literal(true).optional(),
  /** The sockets that placed orders stay open but the venue goes silent on them (a half-open link). */
  stallOrderEntry: z.literal(true).optional(),
});
export type DeribitFaultIn = z.input<typeof DeribitFault>;
export type DeribitFaultT = z.output<typeof DeribitFault> & OkxFaultT;

export function parseDeribitFault(raw: unknown): { ok: true; value: DeribitFaultT } | { ok: false; message: string } {
  const r = DeribitFault.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, message: zodMessage(r.error) };
}
