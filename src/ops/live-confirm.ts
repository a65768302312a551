/**
 * Live mode needs two deliberate acts: the `--live` flag, and the account id typed by the operator at
 * a prompt (headless: `--confirm-account ID`). Typing it, not pressing y, makes the operator read
 * which account is about to trade real money.
 */
import { createInterface } from 'node:readline/promises';

export interface LiveConfirmIo {
  readonly tty: boolean;
  readonly confirmAccount?: string;
  readonly prompt?: (question: string) => Promise<string>;
}

export type LiveConfirm = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export async function confirmLiveAccount(accountId: string, io: LiveConfirmIo): Promise<LiveConfirm> {
  if (io.confirmAccount !== undefined) {
    return io.confirmAccount === accountId ? { ok: true } : { ok: false, reason: `--confirm-account ${io.confirmAccount} does not match the venue's account ${accountId}` };
  }
  if (!io.tty || io.prompt === undefined) return { ok: false, reason: `live trading without a terminal needs --confirm-account ${accountId} (the id of the account about to trade)` };
  const typed = (await io.prompt(`LIVE trading on account ${accountId} with real money.\nType the account id to continue: `)).trim();
  return typed === accountId ? { ok: true } : { ok: false, reason: 'the account id typed does not match: not starting' };
}

export function terminalPrompt(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  return rl.question(question).finally(() => rl.close());
}
