/**
 * What every TWS / IB Gateway message code the adapter cares about means, and what it does about
 * it: one table, as data, so the handling is read (and tested) in one place. The adapter's message
 * handler dispatches on `kind`; the meaning and the remedy go into the log line the operator reads.
 *
 * The SDK delivers a code with id -1 as an `info` event and any other as `error(err, code, id)`;
 * the adapter hands both here, so the table does not depend on which door a code came through.
 */

export type IbMessageKind =
  /** The TWS <-> IB server link dropped (1100, 2110): no trading until it is back. */
  | 'link-lost'
  /** Link back, market data lost: resubscribe, then re-request executions and open orders (1101). */
  | 'link-restored-data-lost'
  /** Link back, market data kept: re-request executions and open orders (1102). */
  | 'link-restored-data-kept'
  /** A data farm is broken (2103, 2105): data may pause; orders are unaffected. */
  | 'farm-broken'
  /** A data farm is fine (2104, 2106, 2158): information only. */
  | 'farm-ok'
  /** The order was rejected (201): a final state, with TWS's reason. */
  | 'order-rejected'
  /** The order was canceled (202), ours or unsolicited (TWS, the exchange, an expired day order). */
  | 'order-canceled'
  /** A warning about an order that stays live (399). */
  | 'order-warning'
  /** The order to cancel was not found (10147): ask TWS where it stands, never assume canceled. */
  | 'cancel-not-found'
  /** Cannot cancel: the order is in a final state named as "state: X" (10148). */
  | 'cancel-refused'
  /** No socket (502) or not connected (504): check TWS / Gateway and its API settings. */
  | 'no-connection'
  /** The client id is in use by another session (326): TWS closes this socket. */
  | 'client-id-in-use'
  /** No, or an ambiguous, security definition (200): the contract must be pinned. */
  | 'no-security'
  /** Market data not subscribed, or delayed data offered (354, 10167). */
  | 'market-data-permission'
  /** Historical data pacing violation (162): back off and try again. */
  | 'pacing'
  /** Anything else: logged with its text. */
  | 'other';

export interface IbMessageRule {
  readonly kind: IbMessageKind;
  /** What TWS means by it, in the operator's words. */
  readonly meaning: string;
  /** What parity does (or what the operator should do). */
  readonly action: string;
  /** Log level the operator sees it at. */
  readonly level: 'error' | 'warn' | 'info' | 'debug';
}

export const IB_MESSAGE_TABLE: Readonly<Record<number, IbMessageRule>> = {
  1100: { kind: 'link-lost', level: 'warn', meaning: 'connectivity between TWS and the IB servers is lost', action: 'new orders are refused until the link is back; executions and open orders are requested again after it' },
  2110: { kind: 'link-lost', level: 'warn', meaning: 'connectivity between TWS and the IB servers is broken', action: 'new orders are refused until the link is back; executions and open orders are requested again after it' },
  1101: { kind: 'link-restored-data-lost', level: 'warn', meaning: 'connectivity restored; market data subscriptions were lost', action: 'market data is resubscribed; executions and open orders are requested and reconciled before trading resumes' },
  1102: { kind: 'link-restored-data-kept', level: 'info', meaning: 'connectivity restored; market data subscriptions kept', action: 'executions and open orders are requested and reconciled before trading resumes' },
  2103: { kind: 'farm-broken', level: 'warn', meaning: 'a market data farm connection is broken', action: 'market data may pause; orders are unaffected' },
  2105: { kind: 'farm-broken', level: 'warn', meaning: 'a historical data farm connection is broken', action: 'warm-up history may be unavailable; orders are unaffected' },
  2104: { kind: 'farm-ok', level: 'debug', meaning: 'market data farm connection is OK', action: 'none' },
  2106: { kind: 'farm-ok', level: 'debug', meaning: 'historical data farm connection is OK', action: 'none' },
  2158: { kind: 'farm-ok', level: 'debug', meaning: 'sec-def data farm connection is OK', action: 'none' },
  201: { kind: 'order-rejected', level: 'warn', meaning: 'order rejected', action: 'the order is rejected with TWS\'s reason' },
  202: { kind: 'order-canceled', level: 'info', meaning: 'order canceled', action: 'the order is canceled (also when parity did not ask: TWS, the exchange, an expired order)' },
  399: { kind: 'order-warning', level: 'warn', meaning: 'order message (warning)', action: 'the order stays live; nothing changes' },
  10147: { kind: 'cancel-not-found', level: 'warn', meaning: 'the order to cancel was not found', action: 'TWS is asked for open orders and executions; the order is not assumed canceled' },
  10148: { kind: 'cancel-refused', level: 'warn', meaning: 'the order cannot be canceled (it is in a final state)', action: 'the state TWS names is applied (it may be Filled: the fill is fetched from executions)' },
  502: { kind: 'no-connection', level: 'error', meaning: 'cannot connect to TWS / IB Gateway', action: 'start TWS or IB Gateway, enable "ActiveX and Socket Clients" (Configure > API > Settings), check the port and add 127.0.0.1 to the trusted IPs' },
  504: { kind: 'no-connection', level: 'error', meaning: 'not connected to TWS / IB Gateway', action: 'parity reconnects by itself; check that TWS or IB Gateway is running and logged in' },
  326: { kind: 'client-id-in-use', level: 'error', meaning: 'the client id is already in use', action: 'another program (or another parity) is connected with this client id: stop it, or pass another --ib-client-id (orders placed under the old id can then no longer be canceled from here)' },
  200: { kind: 'no-security', level: 'warn', meaning: 'no security definition found, or it is ambiguous', action: 'pin the contract in the config (instruments[].exchange / primaryExchange / currency) or pass --route' },
  354: { kind: 'market-data-permission', level: 'warn', meaning: 'market data is not subscribed for this instrument', action: 'subscribe to the market data in Account Management, or accept delayed data; the session runs without live bars for it' },
  10167: { kind: 'market-data-permission', level: 'warn', meaning: 'market data not subscribed: delayed market data is displayed', action: 'bars are delayed; subscribe to the market data for live bars' },
  162: { kind: 'pacing', level: 'warn', meaning: 'historical data request pacing violation', action: 'warm-up backs off and tries again' },
};

const OTHER: IbMessageRule = { kind: 'other', level: 'warn', meaning: 'message from TWS', action: 'logged' };

/** The rule for a code; codes not in the table are 'other' (2100-2169 are TWS information). */
export function ruleOf(code: number): IbMessageRule {
  const r = IB_MESSAGE_TABLE[code];
  if (r !== undefined) return r;
  if (code >= 2100 && code <= 2169) return { ...OTHER, level: 'info', meaning: 'information from TWS' };
  return OTHER;
}

/** The final state TWS names in a 10148 message ("... cannot be cancelled, state: Filled."), or null. */
export function stateOf10148(message: string): string | null {
  const m = /state:\s*([A-Za-z]+)/i.exec(message);
  return m === null ? null : m[1]!;
}

/** The operator's line for a message: code, meaning, TWS's own words, and the remedy. */
export function describeMessage(code: number, message: string): string {
  const r = ruleOf(code);
  const said = message.trim() === '' ? '' : `: ${message.trim()}`;
  return r.kind === 'other' ? `TWS ${code}${said}` : `TWS ${code} (${r.meaning})${said}; ${r.action}`;
}
