/** Errors a user can fix get one clear message and exit code 2; anything else is a bug (exit 1). */
import { ConfigError } from '../config/load.ts';
import { StrategyLoadError } from '../strategy/loader.ts';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Errors whose message already says what happened and what to do: bad input, a locked or damaged
 * store, a venue that refuses the keys or cannot be reached. Matched by name so this edge module
 * does not import every adapter.
 */
const USER_ERRORS = new Set([
  'ConfigError', 'StrategyLoadError', 'DataError', 'UsageError', 'LedgerOverflowError', 'RecordingError',
  'StoreError', 'StoreLockedError', 'StoreStateLostError', 'JournalTamperedError', 'JournalCorruptError', 'StateFileError',
  'AlpacaConfigError', 'AlpacaApiError', 'AlpacaNetworkError', 'AlpacaProtocolError', 'RuntimeDirError',
  'IbkrConfigError', 'IbkrApiError', 'IbkrConnectionError', 'IbkrProtocolError',
  'CcxtConfigError', 'CcxtApiError', 'CcxtNetworkError', 'CcxtProtocolError',
]);

export function isUserError(err: unknown): err is Error {
  return err instanceof ConfigError || err instanceof StrategyLoadError || err instanceof UsageError
    || (err instanceof Error && USER_ERRORS.has(err.name));
}

export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (isUserError(err)) {
    stderr.write(`parity: ${err.toString().replace(/^\w*Error: /, '')}\n`);
    return 2;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  stderr.write(`parity: unexpected error (a bug, please report it with this trace):\n${e.stack ?? e.message}\n`);
  return 1;
}
