/**
 * Client order ids: unique across restarts and sessions, deterministic from (store, sequence,
 * strategy), and valid at every venue parity talks to.
 *
 * Durable scheme (paper and live, with a store):  <storeId:6><seq:6, base36><strategy:0-20>
 *   e.g. "k3f9x2" + "00002s" + "smacross" = "k3f9x200002ssmacross"
 * The store id is fixed for the life of the account's store and the sequence is the store's own,
 * continued by a restarted console, so the first 12 characters alone are unique within the store
 * (fixed widths: no two (seq, strategy) pairs can spell the same id). Letters and digits only, so it
 * passes OKX's clOrdId rule (1-32 alphanumerics), the strictest of the venues:
 */
export interface ClientIdRule {
  readonly maxLength: number;
  readonly pattern: RegExp;
}

/** Per-venue rules, also declared in each adapter's capabilities.clientOrderId. */
export const CLIENT_ID_RULES = {
  alpaca: { maxLength: 128, pattern: /^[\x21-\x7e]+$/ },
  okx: { maxLength: 32, pattern: /^[A-Za-z0-9]+$/ },
  binance: { maxLength: 36, pattern: /^[.A-Z:/a-z0-9_-]+$/ },
  bybit: { maxLength: 36, pattern: /^[A-Za-z0-9_-]+$/ },
  // Deribit's order label: free text up to 64 characters (ccxt does not map clientOrderId to it).
  deribit: { maxLength: 64, pattern: /^[\x21-\x7e]+$/ },
  // IBKR keeps its own integer order id; ours travels in orderRef (free text, kept short).
  ibkr: { maxLength: 40, pattern: /^[A-Za-z0-9_-]+$/ },
} as const satisfies Record<string, ClientIdRule>;

export interface ClientOrderIdSource {
  next(): string;
  /** The sequence number the next id will carry. */
  peekSeq(): number;
  /**
   * True when next() never returns the same id twice (a counter that only moves on): the registry
   * then skips its duplicate-id check for these ids while no order entered another way.
   */
  readonly unique?: boolean;
}

const ALNUM = /^[A-Za-z0-9]+$/;
const SEQ_WIDTH = 6;
const MAX_SEQ = 36 ** SEQ_WIDTH - 1;

/** Backtests (no store): a prefix and a counter, e.g. "smacrossbt1f". */
export class SequentialIds implements ClientOrderIdSource {
  readonly unique = true;
  private seq: number;
  constructor(private readonly prefix: string, start = 1) {
    if (!ALNUM.test(prefix) || prefix.length > 20) throw new Error(`client id prefix must be 1-20 letters or digits, got "${prefix}"`);
    this.seq = start;
  }
  next(): string {
    return `${this.prefix}${(this.seq++).toString(36)}`;
  }
  peekSeq(): number {
    return this.seq;
  }
}

/** A prefix from the strategy name and session id: "sma-cross" + "k3f9x2" -> "smacrossk3f9x2". */
export function idPrefix(strategy: string, session: string): string {
  const s = strategy.replace(/[^A-Za-z0-9]/g, '').slice(0, 8) || 'p';
  const t = session.replace(/[^A-Za-z0-9]/g, '').slice(0, 8);
  return `${s}${t}`;
}

export function checkClientId(id: string, rule: ClientIdRule): string | null {
  if (id.length === 0 || id.length > rule.maxLength) return `client order id "${id}" is ${id.length} characters; the venue allows 1-${rule.maxLength}`;
  if (!rule.pattern.test(id)) return `client order id "${id}" has characters the venue refuses (${rule.pattern.source})`;
  return null;
}

/** Where the durable scheme takes its store id and sequence (the Store implements it). */
export interface SequenceSource {
  readonly storeId: string;
  takeSeq(): number;
  readonly state: { readonly nextSeq: number };
}

export class DurableIds implements ClientOrderIdSource {
  /** The store's sequence only moves on (takeSeq), and the widths are fixed: no id twice. */
  readonly unique = true;
  private readonly suffix: string;
  constructor(private readonly seqs: SequenceSource, strategy: string, rule: ClientIdRule) {
    if (!/^[a-z0-9]{6}$/.test(seqs.storeId)) throw new Error(`store id must be 6 lowercase letters or digits, got "${seqs.storeId}"`);
    const room = rule.maxLength - 6 - SEQ_WIDTH;
    if (room < 0) throw new Error(`the venue allows client order ids of at most ${rule.maxLength} characters; parity needs ${6 + SEQ_WIDTH}`);
    this.suffix = strategy.replace(/[^A-Za-z0-9]/g, '').slice(0, Math.min(20, room));
    // Prove the widest id this scheme can make passes the venue's rule, before any order exists.
    const widest = formatId(seqs.storeId, MAX_SEQ, this.suffix);
    const bad = checkClientId(widest, rule);
    if (bad !== null) throw new Error(`client order id scheme does not fit the venue: ${bad}`);
  }
  next(): string {
    const seq = this.seqs.takeSeq();
    if (seq > MAX_SEQ) throw new Error(`client order id sequence exhausted (${MAX_SEQ}) for store ${this.seqs.storeId}: start a new store`);
    return formatId(this.seqs.storeId, seq, this.suffix);
  }
  peekSeq(): number {
    return this.seqs.state.nextSeq;
  }
}

export function formatId(storeId: string, seq: number, suffix: string): string {
  return `${storeId}${seq.toString(36).padStart(SEQ_WIDTH, '0')}${suffix}`;
}

/** The store id and sequence of a durable id, or null for any other id (external, backtest). */
export function parseDurableId(id: string): { storeId: string; seq: number; strategy: string } | null {
  const m = /^([a-z0-9]{6})([a-z0-9]{6})([A-Za-z0-9]*)$/.exec(id);
  if (m === null) return null;
  return { storeId: m[1]!, seq: parseInt(m[2]!, 36), strategy: m[3]! };
}
