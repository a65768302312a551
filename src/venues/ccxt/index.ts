/** Venues behind ccxt: one adapter, the venue differences in profiles.ts. */
export { CCXT_PROFILES, OKX_PROFILE, capabilitiesOf, marketRefusal, marketTypeOf, type CcxtProfile, type Has, type MarketType } from './profiles.ts';
export { CcxtExecution, type CcxtExecutionOptions } from './execution.ts';
export { CcxtFeed, closedBars, type CcxtFeedOptions } from './feed.ts';
export { DeadManSwitch, clampTimeoutSec } from './dead-man.ts';
export { createExchange, describeCcxtSettings, resolveCcxtSettings, type CcxtSettings, type Env } from './config.ts';
export { instrumentsFromMarkets } from './instruments.ts';
export { CcxtApiError, CcxtConfigError, CcxtNetworkError, CcxtProtocolError, type CcxtProblem } from './errors.ts';
