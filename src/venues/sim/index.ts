/** The simulated venue: matching core, commission models, slippage and the day-order calendar. */
export { SimVenue, SIM_CAPABILITIES_BASE } from './sim-venue.ts';
export type { SimLatency, SimOrderStatus, SimOrderView, SimSnapshot, SimVenueOptions } from './sim-venue.ts';
export {
  IBKR_TIERS, ZERO_COMMISSION, commission, feeStepUnits, ibkrTierRate, orderFee, roundUpTo, variableFee,
} from './commission.ts';
export type { CommissionModel, Execution } from './commission.ts';
export { IntrabarPath, NO_SLIPPAGE, fillPrice } from './fill-model.ts';
export { quoteSidePrice, stopReachedAt, stopReachedOnQuote, stopTouchedOnPath, stopTriggeredBy } from './stop-trigger.ts';
export type { FillModelOptions, SlippageModel } from './fill-model.ts';
export { dayExpiry } from './calendar.ts';
