/**
 * Fault injection for the TWS fake: one body shape, taken by `admin.inject()` in-process, by
 * POST /faults on the admin HTTP port, and by a script file (`parity venue --protocol tws
 * --faults FILE`: one such object, or an array of them each with an optional `afterMs`, applied in
 * order from the start).
 */
import { zodMessage } from '../../util/zod-message.ts';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Count = z.number().int().min(0);

export const FaultBody = z.strictObject({
  /** Cut the socket of every connection (true) or of one client id now. */
  drop: z.union([z.literal(true), z.strictObject({ clientId: z.number().int() })]).optional(),
  /** For this long, close every new connection at once (TWS down or restarting): reconnect back-off to test. */
  refuseConnectionsMs: z.number().int().min(0).max(600_000).optional(),
  /**
   * Send 1100 "Connectivity between IB and Trader Workstation has been lost" to every client and go
   * quiet: working orders go on working and filling, but no order event, execution or bar reaches a
   * client until `restore`; fills made meanwhile are there only for reqExecutions. Requests are
   * still answered (the outage is between TWS and IB's servers, not on the socket).
   */
  connectivityLost: z.literal(true).optional(),
  /** End the outage: 1101 (restored, market data lost: resubscribe) or 1102 (restored, data kept). */
  restore: z.union([z.literal(1101), z.literal(1102)]).optional(),
  /** The next N fills: their execDetails (and commission report) reach the client only after it reconnects. */
  holdExecDetails: Count.optional(),
  /** The next N commission reports come late: `delayMs` after the execDetails, or only after the client reconnects. */
  lateCommission: z.strictObject({ count: Count, after: z.enum(['delay', 'reconnect']), delayMs: z.number().int().min(0).max(60_000).default(300) }).optional(),
  /**
   * An unsolicited 202 "Order Canceled" for a working order: the venue cancels it itself
   * (orderStatus Cancelled follows), or with `cancel: false` only the 202 is sent and the order
   * keeps working (a stray message the client must not trust blindly).
   */
  unsolicited202: z.strictObject({ clientId: z.number().int(), orderId: z.number().int(), cancel: z.boolean().default(true) }).optional(),
  /**
   * The next N cancelOrder requests for working orders lose the race with a fill: the order fills
   * (at its limit or stop price, a market order at the last price) and the cancel is answered
   * 10148 "... cannot be cancelled, state: Filled."
   */
  fillOnCancel: Count.optional(),
  /** Fill each of the next N orders in two parts, on two different bars (orderStatus Submitted with filled < total between). */
  partialFill: Count.optional(),
  /** Accept the next N orders (openOrder, Submitted), then reject them: error 201 and orderStatus Inactive. */
  reject: Count.optional(),
});
export type FaultBodyT = z.output<typeof FaultBody>;
export type FaultBodyIn = z.input<typeof FaultBody>;

const FaultSteps = z.array(FaultBody.extend({ afterMs: z.number().int().min(0).default(0) }));


export function parseFaults(raw: unknown): { ok: true; value: FaultBodyT } | { ok: false; message: string } {
  const r = FaultBody.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, message: zodMessage(r.error) };
}

/** A fault script file; a clear error naming the file when it is not one. */
export function loadFaultScript(path: string): { afterMs: number; fault: FaultBodyT }[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`fault script ${path}: ${(err as Error).message}`);
  }
  const hint = '(expected one fault object or an array of them, each with an optional "afterMs")';
  if (!Array.isArray(raw)) {
    const one = FaultBody.safeParse(raw);
    if (!one.success) throw new Error(`fault script ${path}: ${zodMessage(one.error)} ${hint}`);
    return [{ afterMs: 0, fault: one.data }];
  }
  const many = FaultSteps.safeParse(raw);
  if (!many.success) throw new Error(`fault script ${path}: ${zodMessage(many.error)} ${hint}`);
  return many.data.map(({ afterMs, ...fault }) => ({ afterMs, fault }));
}
