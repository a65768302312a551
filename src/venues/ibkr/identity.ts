/**
 * Paper or real money, decided before anything trades. TWS listens on 7497 (paper) / 7496 (live),
 * IB Gateway on 4002 (paper) / 4001 (live), and paper accounts are named DU... (DF... for an advisor's paper master) A session whose
 * port and account disagree, or disagree with the mode asked for, refuses to start. On any other
 * port (a tunnel, `parity venue --protocol tws`) the account's prefix alone decides.
 */
import { IbkrConfigError } from './errors.ts';

const PAPER_PORTS: ReadonlyMap<number, string> = new Map([[7497, 'TWS paper'], [4002, 'IB Gateway paper']]);
const LIVE_PORTS: ReadonlyMap<number, string> = new Map([[7496, 'TWS live'], [4001, 'IB Gateway live']]);

/** Paper accounts: DU (individual), DF (a paper advisor master). */
export const isPaperAccount = (account: string): boolean => /^D[UF]/i.test(account.trim());

/** What the port says: 'paper', 'live', or null for a port that is neither of IB's defaults. */
export function portIdentity(port: number): 'paper' | 'live' | null {
  return PAPER_PORTS.has(port) ? 'paper' : LIVE_PORTS.has(port) ? 'live' : null;
}

export interface IdentityInput {
  readonly port: number;
  /** managedAccounts as TWS sent it (comma-separated in the SDK's event). */
  readonly managedAccounts: readonly string[];
  /** --account: which of the managed accounts to trade. */
  readonly account?: string;
  /** --live */
  readonly live: boolean;
}

export interface Identity {
  readonly account: string;
  readonly live: boolean;
}

/** The account to trade and whether it is real money; throws IbkrConfigError with the remedy otherwise. */
export function resolveIdentity(i: IdentityInput): Identity {
  const accounts = i.managedAccounts.map((a) => a.trim()).filter((a) => a !== '');
  if (accounts.length === 0) throw new IbkrConfigError('TWS sent no managed accounts: is it logged in?');
  let account: string;
  if (i.account !== undefined && i.account.trim() !== '') {
    const want = i.account.trim();
    const found = accounts.find((a) => a.toUpperCase() === want.toUpperCase());
    if (found === undefined) throw new IbkrConfigError(`--account ${want} is not managed by this login (it manages ${accounts.join(', ')})`);
    account = found;
  } else if (accounts.length === 1) {
    account = accounts[0]!;
  } else {
    throw new IbkrConfigError(`this login manages several accounts (${accounts.join(', ')}): pass --account <id>`);
  }
  const byAccount = isPaperAccount(account) ? 'paper' : 'live';
  const byPort = portIdentity(i.port);
  if (byPort !== null && byPort !== byAccount) {
    const name = (byPort === 'paper' ? PAPER_PORTS : LIVE_PORTS).get(i.port)!;
    throw new IbkrConfigError(
      `port ${i.port} is ${name} but account ${account} is a ${byAccount} account (paper accounts start with DU): refusing to start; check --ib-port and which login TWS / IB Gateway runs`,
    );
  }
  const wanted = i.live ? 'live' : 'paper';
  if (byAccount !== wanted) {
    throw new IbkrConfigError(
      i.live
        ? `--live but account ${account} is a paper account${byPort !== null ? ` on port ${i.port}` : ''}: drop --live for a paper session`
        : `account ${account} is a live (real money) account${byPort !== null ? ` on port ${i.port}` : ''}: refusing to trade it without --live (paper accounts start with DU; paper ports are 7497 for TWS, 4002 for IB Gateway)`,
    );
  }
  return { account, live: byAccount === 'live' };
}
