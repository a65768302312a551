/** Errors of the durable store. Each says what happened and what the operator can do about it. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Another live process holds the store. */
export class StoreLockedError extends StoreError {
  constructor(readonly dir: string, readonly pid: number, readonly since: string) {
    super(`the store ${dir} is in use by process ${pid} (since ${since}): stop that console first; only one process may write a store`);
  }
}

/** A journal record does not chain to the one before it: edited, spliced or truncated in the middle. */
export class JournalTamperedError extends StoreError {
  constructor(readonly file: string, readonly line: number, readonly seq: number | null, detail: string) {
    super(`journal ${file} line ${line}${seq === null ? '' : ` (record seq ${seq})`}: ${detail}. The journal was changed after it was written; `
      + 'parity will not trust it. Restore the file from a backup, or move the store folder aside to start from the venue\'s state');
  }
}

/** A line in the middle of the journal cannot be read (only the last line may be torn). */
export class JournalCorruptError extends StoreError {
  constructor(readonly file: string, readonly line: number, detail: string) {
    super(`journal ${file} line ${line} cannot be read (${detail}) and it is not the last line, so it is not a torn write. `
      + 'Restore the file from a backup, or move the store folder aside to start from the venue\'s state');
  }
}
