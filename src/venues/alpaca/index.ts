/**
 * The Alpaca venue: execution client, market data feed and instrument specs on the real
 * @alpacahq/alpaca-trade-api SDK, pointed at Alpaca or at any compatible server (`parity venue`).
 */
import type { InstrumentProvider } from '../../ports/index.ts';
import type { Instrument } from '../../domain/instrument.ts';
import { UNLIMITED_RECONNECT_ATTEMPTS } from './sdk-consts.ts';
import type { AlpacaSettings } from './config.ts';
import { AlpacaExecution } from './execution.ts';
import { AlpacaFeed, type DataStream } from './feed.ts';
import { AlpacaRest, type RestOptions } from './rest.ts';
import type { AlpacaProblem } from './errors.ts';

export { resolveAlpacaSettings, envWithDotEnv, describeSettings, type AlpacaSettings, type Env } from './config.ts';
export { AlpacaRest, redirectingFetch, type BarsQuery } from './rest.ts';
export { AlpacaExecution, ALPACA_CAPABILITIES, rootOf } from './execution.ts';
export { AlpacaFeed } from './feed.ts';
export { fetchWarmupBars, warmupCount, MAX_WARMUP_BARS, DEFAULT_WARMUP_BARS, type WarmupHistory, type WarmupQuery } from './history.ts';
export { loadAlpacaInstruments, instrumentFromAsset } from './instruments.ts';
export { AlpacaApiError, AlpacaConfigError, AlpacaNetworkError, AlpacaProtocolError, type AlpacaProblem } from './errors.ts';
export { toWireSymbol, fromWireSymbol } from './symbols.ts';

export interface AlpacaVenueOptions {
  readonly settings: AlpacaSettings;
  readonly rest?: RestOptions;
  /** Stream reconnect: first delay (default 1000 ms), doubling up to maxReconnectMs (default 30 s). */
  readonly initialReconnectMs?: number;
  readonly maxReconnectMs?: number;
  readonly heartbeatMs?: number;
  readonly onProblem?: (p: AlpacaProblem) => void;
  readonly onInfo?: (msg: string) => void;
}

export interface AlpacaVenue {
  readonly rest: AlpacaRest;
  execution(instruments: InstrumentProvider): AlpacaExecution;
  feed(instruments: readonly Instrument[], quotes?: boolean): AlpacaFeed;
}

export function createAlpacaVenue(o: AlpacaVenueOptions): AlpacaVenue {
  const rest = new AlpacaRest(o.settings, o.rest);
  const streamOpts = {
    maxReconnectAttempts: UNLIMITED_RECONNECT_ATTEMPTS,
    initialReconnectMs: o.initialReconnectMs ?? 1000,
    maxReconnectMs: o.maxReconnectMs ?? 30_000,
  };
  return {
    rest,
    execution: (instruments) => new AlpacaExecution({
      rest, instruments, stream: rest.client.trading.stream({ url: o.settings.streamUrl, ...streamOpts }),
      ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
      ...(o.onProblem !== undefined ? { onProblem: o.onProblem } : {}),
      ...(o.onInfo !== undefined ? { onInfo: o.onInfo } : {}),
    }),
    feed: (instruments, quotes = false) => new AlpacaFeed({
      instruments, quotes,
      openStream: (kind): DataStream => (kind === 'crypto'
        ? rest.client.marketData.cryptoStream({ url: `${o.settings.dataUrl}/v1beta3/crypto/us`, ...streamOpts })
        : rest.client.marketData.stockStream({ url: `${o.settings.dataUrl}/v2/iex`, ...streamOpts })),
      ...(o.onProblem !== undefined ? { onProblem: o.onProblem } : {}),
    }),
  };
}
