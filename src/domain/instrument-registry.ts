/** A fixed set of instruments, looked up by symbol (config, defaults, or a venue's answer). */
import type { Instrument } from './instrument.ts';
import type { InstrumentProvider } from '../engine/ports.ts';

export class InstrumentRegistry implements InstrumentProvider {
  private readonly bySymbol = new Map<string, Instrument>();
  constructor(instruments: readonly Instrument[] = []) {
    for (const i of instruments) this.add(i);
  }
  add(i: Instrument): void {
    this.bySymbol.set(i.symbol, i);
  }
  get(symbol: string): Instrument | undefined {
    return this.bySymbol.get(symbol);
  }
  all(): readonly Instrument[] {
    return [...this.bySymbol.values()];
  }
}
