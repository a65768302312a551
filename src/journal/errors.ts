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

/** The command that archives a store folder so the next start begins a fresh store (`parity state reset`). */
export function resetCommand(dir: string): string {
  return `parity state reset --confirm ${/^[\w./@%+=:,-]+$/.test(dir) ? dir : `'${dir.replace(/'/g, `'\\''`)}'`}`;
}

/**
 * The store folder says it has recorded before (a snapshot, rotated journal files), but its journal
 * is missing, shorter than the snapshot says, or another store's. Starting anyway would begin a fresh
 * store that trades as if no order, fill or kill-switch level had ever been recorded, so it refuses.
 */
export class StoreStateLostError extends StoreError {
  readonly resetCommand: string;
  constructor(readonly dir: string, readonly missing: string) {
    const cmd = resetCommand(dir);
    super(`the store ${dir} refuses to start: ${missing}. Starting anyway would trade as if the orders, fills and `
      + `kill-switch level recorded there had never been. Restore the journal from a backup (journal.jsonl, and history/ `
      + `if it went too), or, to give up what was recorded and start a fresh store (the venue's state is taken at its `
      + `first run), archive what is there with: ${cmd}`);
    this.resetCommand = cmd;
  }
}
