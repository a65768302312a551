/** Typed failures of the ccxt adapter: the engine logs them and carries on. */

/** The venue (through ccxt) answered with an error: `ccxtName` is ccxt's class (InvalidOrder, ...). */
export class CcxtApiError extends Error {
  constructor(readonly ccxtName: string, message: string) {
    super(message);
    this.name = 'CcxtApiError';
  }
}

/** The request may not have arrived (timeout, closed socket, 5xx): ask the venue before acting again. */
export class CcxtNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CcxtNetworkError';
  }
}

/** ccxt handed back something that does not match the shape the adapter reads. */
export class CcxtProtocolError extends Error {
  constructor(readonly where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'CcxtProtocolError';
  }
}

/** Settings that cannot work (missing keys, a live host without --live). */
export class CcxtConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CcxtConfigError';
  }
}

export type CcxtProblem = CcxtApiError | CcxtNetworkError | CcxtProtocolError;
