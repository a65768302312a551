/**
 * A run's fills in columns, not objects: numbers in typed arrays grown in fixed chunks (no doubling
 * copy, no slack of half the capacity), the side and liquidity in one byte, the symbol as an index,
 * the client order id by reference (the registry holds the same string) and the execution id as
 * two numbers when it has the simulated venue's shape `S<seq>-<n>` (else the string). `list()`
 * builds the Fill objects again, equal to the ones that came in, when a report needs them.
 */
import type { Fill } from '../domain/fill.ts';
import { ChunkedI32, ChunkedScaled, ChunkedU32 } from '../util/columns.ts';
import { IdColumn } from '../util/string-index.ts';

/** `S<seq>-<n>` with no leading zeros (so the numbers spell the same string back). */
const SIM_EXEC = /^S(0|[1-9]\d{0,14})-(0|[1-9]\d{0,14})$/;

export class FillTable {
  private n = 0;
  /** Exact 32-bit steps where they are (whole seconds, 1e-8 of a unit, 1e-4 of a price, 1e-6 of a fee: columns.ts ChunkedScaled), else plain numbers. */
  private readonly tsC = new ChunkedScaled(1, 1000);
  private readonly qtyC = new ChunkedScaled(1e8);
  private readonly priceC = new ChunkedScaled(1e4);
  private readonly feeC = new ChunkedScaled(1e6);
  private readonly execSeq = new ChunkedI32();
  private readonly execNo = new ChunkedI32();
  /** bit 0 sell, bit 1 maker, bits 2+ the symbol's index. */
  private readonly code = new ChunkedU32();
  /** Client ids as prefix + counter (string-index.ts IdColumn), not a reference each. */
  private readonly ids = new IdColumn();
  private readonly symbols: string[] = [];
  private readonly symbolIndex = new Map<string, number>();
  /** Execution ids of another shape, by row. */
  private readonly otherExec = new Map<number, string>();

  get length(): number {
    return this.n;
  }

  add(f: Fill): void {
    const i = this.n++;
    let s = this.symbolIndex.get(f.symbol);
    if (s === undefined) { s = this.symbols.length; this.symbols.push(f.symbol); this.symbolIndex.set(f.symbol, s); }
    this.tsC.set(i, f.ts);
    this.qtyC.set(i, f.qty);
    this.priceC.set(i, f.price);
    this.feeC.set(i, f.fee);
    this.code.set(i, (f.side === 'sell' ? 1 : 0) | (f.liquidity === 'maker' ? 2 : 0) | (s << 2));
    const m = SIM_EXEC.exec(f.execId);
    if (m !== null && Number.isSafeInteger(Number(m[1])) && Number.isSafeInteger(Number(m[2]))) {
      this.execSeq.set(i, Number(m[1]));
      this.execNo.set(i, Number(m[2]));
    } else {
      this.execSeq.set(i, -1);
      this.execNo.set(i, -1);
      this.otherExec.set(i, f.execId);
    }
    this.ids.push(f.clientOrderId);
  }

  at(i: number): Fill {
    const c = this.code.get(i);
    const seq = this.execSeq.get(i);
    return {
      clientOrderId: this.ids.at(i),
      execId: seq < 0 ? this.otherExec.get(i)! : `S${seq}-${this.execNo.get(i)}`,
      symbol: this.symbols[c >>> 2]!,
      side: (c & 1) !== 0 ? 'sell' : 'buy',
      qty: this.qtyC.get(i),
      price: this.priceC.get(i),
      fee: this.feeC.get(i),
      liquidity: (c & 2) !== 0 ? 'maker' : 'taker',
      ts: this.tsC.get(i),
    };
  }

  /** Every fill as an object, in the order they came. */
  list(): Fill[] {
    const out: Fill[] = new Array<Fill>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.at(i);
    return out;
  }

  /** Bytes of the typed arrays held (the id references and other strings not counted). */
  retainedBytes(): number {
    return this.tsC.bytes + this.qtyC.bytes + this.priceC.bytes + this.feeC.bytes + this.execSeq.bytes + this.execNo.bytes + this.code.bytes;
  }

  /** Bytes held: the columns and the id references (8 bytes each). */
  get bytes(): number {
    return this.retainedBytes() + this.ids.bytes;
  }
}
