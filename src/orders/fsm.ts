/**
 * The order lifecycle as data: one table of (state, event) -> state, applied by one pure function.
 *
 * parity's set has 13 states. Beyond the reference design's 11 it adds:
 * - `unconfirmed`: sent, but no acknowledgement within the ack timeout. The engine asks the venue by
 *   client order id instead of resending; the state tells the operator the order's fate is unknown.
 * - `lost`: the venue has never heard of the order and its intent is too old to resend safely
 *   (crash recovery). Terminal; the strategy is told.
 * A rejected cancel or replace returns the order to the state it came from (`returnTo`).
 * Anything not in the table is an InvalidTransition: logged, the order flagged, never a crash.
 */
export const ORDER_STATES = [
  'initialized', 'denied', 'submitted', 'unconfirmed', 'accepted', 'partially_filled', 'filled',
  'pending_cancel', 'pending_replace', 'canceled', 'rejected', 'expired', 'lost',
] as const;
export type OrderStatus = (typeof ORDER_STATES)[number];

export const ORDER_EVENTS = [
  'deny', 'submit', 'ack_timeout', 'accept', 'reject', 'fill_partial', 'fill_complete',
  'cancel_request', 'cancel_reject', 'canceled', 'replace_request', 'replace_reject', 'replaced',
  'expire', 'lost',
] as const;
export type OrderEventKind = (typeof ORDER_EVENTS)[number];

/** 'previous' = back to the working state the order had before the pending request. */
type Target = OrderStatus | 'previous';

export interface TransitionRow {
  readonly from: OrderStatus;
  readonly on: OrderEventKind;
  readonly to: Target;
  /** Why an unusual edge exists. Ordinary edges carry none. */
  readonly why?: string;
}

const row = (from: OrderStatus, on: OrderEventKind, to: Target, why?: string): TransitionRow =>
  why === undefined ? { from, on, to } : { from, on, to, why };

export const TRANSITIONS: readonly TransitionRow[] = [
  row('initialized', 'deny', 'denied'),
  row('initialized', 'submit', 'submitted'),

  row('submitted', 'accept', 'accepted'),
  row('submitted', 'reject', 'rejected'),
  row('submitted', 'fill_partial', 'partially_filled', 'fill report overtook the acknowledgement'),
  row('submitted', 'fill_complete', 'filled', 'fill report overtook the acknowledgement'),
  row('submitted', 'canceled', 'canceled', 'IOC/FOK remainder canceled before the ack arrived'),
  row('submitted', 'expire', 'expired', 'expiry overtook the acknowledgement'),
  row('submitted', 'cancel_request', 'pending_cancel', 'cancel may chase an order still in flight'),
  row('submitted', 'ack_timeout', 'unconfirmed', 'no ack in time: ask the venue, never resend'),
  row('submitted', 'lost', 'lost', 'recovery: the venue never received it and the intent is stale'),

  row('unconfirmed', 'accept', 'accepted', 'the query (or a late ack) found it working'),
  row('unconfirmed', 'reject', 'rejected'),
  row('unconfirmed', 'fill_partial', 'partially_filled'),
  row('unconfirmed', 'fill_complete', 'filled'),
  row('unconfirmed', 'canceled', 'canceled'),
  row('unconfirmed', 'expire', 'expired'),
  row('unconfirmed', 'lost', 'lost', 'the venue answered that it has no such order'),

  row('accepted', 'fill_partial', 'partially_filled'),
  row('accepted', 'fill_complete', 'filled'),
  row('accepted', 'cancel_request', 'pending_cancel'),
  row('accepted', 'replace_request', 'pending_replace'),
  row('accepted', 'canceled', 'canceled', 'unsolicited: the venue canceled it (halt, session end)'),
  row('accepted', 'expire', 'expired'),
  row('accepted', 'reject', 'rejected', 'some venues reject after acknowledging (e.g. a stop that cannot trigger)'),

  row('partially_filled', 'fill_partial', 'partially_filled'),
  row('partially_filled', 'fill_complete', 'filled'),
  row('partially_filled', 'cancel_request', 'pending_cancel'),
  row('partially_filled', 'replace_request', 'pending_replace'),
  row('partially_filled', 'canceled', 'canceled', 'unsolicited cancel of the remainder'),
  row('partially_filled', 'expire', 'expired'),

  row('pending_cancel', 'canceled', 'canceled'),
  row('pending_cancel', 'cancel_reject', 'previous', 'failed cancel: the order keeps working'),
  row('pending_cancel', 'fill_partial', 'pending_cancel', 'fill raced the cancel; the cancel is still pending'),
  row('pending_cancel', 'fill_complete', 'filled', 'fill won the race against the cancel'),
  row('pending_cancel', 'expire', 'expired'),
  row('pending_cancel', 'accept', 'pending_cancel', 'late ack of an order we already asked to cancel'),

  row('pending_replace', 'replaced', 'previous', 'the venue took the new price/quantity'),
  row('pending_replace', 'replace_reject', 'previous', 'failed replace: the old order keeps working'),
  row('pending_replace', 'fill_partial', 'pending_replace', 'fill on the old terms while the replace is in flight'),
  row('pending_replace', 'fill_complete', 'filled', 'the old order filled before the replace landed'),
  row('pending_replace', 'canceled', 'canceled', 'unsolicited cancel while replacing'),
  row('pending_replace', 'expire', 'expired'),
  row('pending_replace', 'cancel_request', 'pending_cancel', 'operator cancels while a replace is in flight'),

  row('canceled', 'fill_partial', 'canceled', 'real world: a fill executed before the cancel, reported after it'),
  row('canceled', 'fill_complete', 'filled', 'real world: the late fill completed the order'),
  row('expired', 'fill_partial', 'expired', 'late fill report for an execution before expiry'),
  row('expired', 'fill_complete', 'filled', 'late fill report completed the order'),
];

export const TERMINAL_STATES: ReadonlySet<OrderStatus> = new Set(['denied', 'filled', 'canceled', 'rejected', 'expired', 'lost']);
/** States in which the order may still trade at the venue. */
export const OPEN_STATES: ReadonlySet<OrderStatus> = new Set(
  ORDER_STATES.filter((s) => !TERMINAL_STATES.has(s) && s !== 'initialized'),
);

export const isTerminal = (s: OrderStatus): boolean => TERMINAL_STATES.has(s);
export const isOpen = (s: OrderStatus): boolean => OPEN_STATES.has(s);

/** The part of an order the state machine reads and writes. */
export interface FsmState {
  readonly status: OrderStatus;
  /** Where a rejected (or completed) cancel / replace returns to; set on entering a pending state. */
  readonly returnTo: OrderStatus | null;
}

export type TransitionResult =
  | { readonly ok: true; readonly state: FsmState; readonly row: TransitionRow }
  | { readonly ok: false; readonly error: InvalidTransition };

export interface InvalidTransition {
  readonly from: OrderStatus;
  readonly on: OrderEventKind;
  readonly message: string;
}

/** The table as a dense array indexed by (state, event): a lookup without building a key string. */
const STATE_IX = Object.fromEntries(ORDER_STATES.map((st, i) => [st, i])) as Record<OrderStatus, number>;
const EVENT_IX = Object.fromEntries(ORDER_EVENTS.map((e, i) => [e, i])) as Record<OrderEventKind, number>;
const INDEX: (TransitionRow | undefined)[] = new Array(ORDER_STATES.length * ORDER_EVENTS.length);
for (const r of TRANSITIONS) INDEX[STATE_IX[r.from] * ORDER_EVENTS.length + EVENT_IX[r.on]] = r;

/** Apply one event. Pure: the same (state, event) always gives the same answer. */
export function transition(state: FsmState, on: OrderEventKind): TransitionResult {
  const r = INDEX[STATE_IX[state.status] * ORDER_EVENTS.length + EVENT_IX[on]];
  if (r === undefined) {
    return { ok: false, error: { from: state.status, on, message: invalidTransitionMessage(state.status, on) } };
  }
  if (r.to === 'previous') return { ok: true, row: r, state: { status: state.returnTo ?? 'accepted', returnTo: null } };
  return { ok: true, row: r, state: { status: r.to, returnTo: returnToAfter(state, r.to, on) } };
}

/**
 * The same step as transition(), the same table, written into the caller's state instead of a new
 * object (the registry: one step per order event, no allocation). Returns the row taken, or
 * undefined for a move not in the table (the state is then untouched).
 */
export function transitionInPlace(state: { status: OrderStatus; returnTo: OrderStatus | null }, on: OrderEventKind): TransitionRow | undefined {
  const r = INDEX[STATE_IX[state.status] * ORDER_EVENTS.length + EVENT_IX[on]];
  if (r === undefined) return undefined;
  if (r.to === 'previous') {
    state.status = state.returnTo ?? 'accepted';
    state.returnTo = null;
    return r;
  }
  state.returnTo = returnToAfter(state, r.to, on);
  state.status = r.to;
  return r;
}

export const invalidTransitionMessage = (from: OrderStatus, on: OrderEventKind): string => `invalid order transition: ${from} --${on}-->`;

/** Where a later failed (or completed) cancel / replace returns to, after moving from `state` to `to`. */
function returnToAfter(state: FsmState, to: OrderStatus, on: OrderEventKind): OrderStatus | null {
  if (to !== 'pending_cancel' && to !== 'pending_replace') return null;
  // A fill while pending means the order, if the request fails, is now partially filled.
  if (on === 'fill_partial') return 'partially_filled';
  if (state.status === 'pending_cancel' || state.status === 'pending_replace') return state.returnTo;
  if (state.status === 'submitted') return 'accepted';
  return state.status;
}

/** The table as text, for `parity doc orders` and the README. */
export function describeTable(): string {
  const lines = [`${ORDER_STATES.length} states, ${TRANSITIONS.length} transitions`, ''];
  const w1 = Math.max(...TRANSITIONS.map((r) => r.from.length));
  const w2 = Math.max(...TRANSITIONS.map((r) => r.on.length));
  const w3 = Math.max(...TRANSITIONS.map((r) => r.to.length));
  for (const r of TRANSITIONS) {
    lines.push(`${r.from.padEnd(w1)}  --${r.on.padEnd(w2)}-->  ${r.to.padEnd(w3)}${r.why ? `  # ${r.why}` : ''}`);
  }
  return lines.join('\n');
}

/** The table as a Mermaid state diagram (README). */
export function mermaid(): string {
  const out = ['stateDiagram-v2', '  [*] --> initialized'];
  for (const r of TRANSITIONS) {
    if (r.from === r.to) continue;
    const to = r.to === 'previous' ? (r.from === 'pending_cancel' || r.from === 'pending_replace' ? 'accepted' : r.to) : r.to;
    out.push(`  ${r.from} --> ${to}: ${r.on}${r.to === 'previous' ? ' (back to previous)' : ''}`);
  }
  for (const s of TERMINAL_STATES) out.push(`  ${s} --> [*]`);
  return out.join('\n');
}
