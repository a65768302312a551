/** Typed failures of the Alpaca adapter: the engine logs them and carries on; none of them crashes it. */

/** The API answered with an error status ({code, message}). */
export class AlpacaApiError extends Error {
  constructor(readonly status: number, readonly code: number | string | undefined, message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = 'AlpacaApiError';
  }
  get duplicateClientOrderId(): boolean {
    return this.status === 422 && /client_order_id/i.test(this.message) && /unique|exist|duplicate/i.test(this.message);
  }
}

/** The request may or may not have reached Alpaca (network error, timeout, 5xx): never resend blindly. */
export class AlpacaNetworkError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'AlpacaNetworkError';
  }
}

/** Alpaca sent something that does not match its documented shape (a REST body or a stream frame). */
export class AlpacaProtocolError extends Error {
  constructor(readonly where: string, message: string, readonly payload?: unknown) {
    super(`${where}: ${message}`);
    this.name = 'AlpacaProtocolError';
  }
}

/** Settings that cannot work (missing keys, a URL that contradicts paper / live). */
export class AlpacaConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlpacaConfigError';
  }
}

export type AlpacaProblem = AlpacaApiError | AlpacaNetworkError | AlpacaProtocolError;
