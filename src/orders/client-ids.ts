/**
 * Client order ids: deterministic from (strategy, session, sequence) and short enough, and plain
 * enough (letters and digits only), for every venue parity talks to: OKX's clOrdId allows at most
 * 32 alphanumerics, the strictest rule among them.
 */
export interface ClientOrderIdSource {
  next(): string;
  /** The sequence number the next id will carry (persisted by the store, issue 3). */
  peekSeq(): number;
}

const ALNUM = /^[A-Za-z0-9]+$/;

export class SequentialIds implements ClientOrderIdSource {
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
