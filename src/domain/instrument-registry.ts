/** A fixed set of instruments, looked up by symbol (config, defaults, or a venue's answer). */
import type { Instrument } from './instrument.ts';

/**
 * Where instrument specs come from (defaults, config, or the venue). It lives here, not in the
 * ports, so the domain stays at the bottom and imports nothing; src/ports re-exports it.
 */
export interface InstrumentProvider {
  get(symbol: string): Instrument | undefined;
  all(): readonly Instrument[];
}

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
