/** Typed failures of the Interactive Brokers adapter: the engine logs them and carries on. */

/** TWS / IB Gateway sent an error or warning message ([4, 2, id, code, msg]). */
export class IbkrApiError extends Error {
  /** `venueText`: TWS's own words (the message is ours: code, meaning, remedy). */
  constructor(readonly code: number, readonly reqId: number, message: string, readonly venueText: string = message) {
    super(message);
    this.name = 'IbkrApiError';
  }
}

/** The socket to TWS / IB Gateway is down, or could not be opened. */
export class IbkrConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IbkrConnectionError';
  }
}

/** TWS sent something that does not match the shape the SDK documents. */
export class IbkrProtocolError extends Error {
  constructor(readonly where: string, message: string, readonly payload?: unknown) {
    super(`${where}: ${message}`);
    this.name = 'IbkrProtocolError';
  }
}

/** Settings that cannot work (a paper port with a live account, a missing account). */
export class IbkrConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IbkrConfigError';
  }
}

export type IbkrProblem = IbkrApiError | IbkrConnectionError | IbkrProtocolError;
