/**
 * The Interactive Brokers venue through TWS / IB Gateway on the real `@stoqey/ib` SDK: connection
 * life (link.ts), the execution client (execution.ts), market data (feed.ts) and warm-up history
 * (history.ts), pointed at TWS, IB Gateway, or `parity venue --protocol tws`.
 */
export { IbkrLink, type LinkOptions, type IbMessage } from './link.ts';
export { IbkrExecution, type IbkrExecutionOptions } from './execution.ts';
export { IbkrFeed, MinuteFolder } from './feed.ts';
export { fetchIbkrWarmup, durationFor } from './history.ts';
export { OrderIdAllocator, IdMap, ORDER_IDS_FILE } from './order-ids.ts';
export { resolveIdentity, portIdentity, isPaperAccount, type Identity } from './identity.ts';
export { IB_MESSAGE_TABLE, ruleOf, describeMessage, stateOf10148, type IbMessageKind, type IbMessageRule } from './error-codes.ts';
export { backoffDelay } from './backoff.ts';
export { resolveContract, type ResolvedInstrument } from './instruments.ts';
export { toContract, toIbOrder, type ContractSpec } from './translate.ts';
export { IbkrApiError, IbkrConfigError, IbkrConnectionError, IbkrProtocolError, type IbkrProblem } from './errors.ts';
