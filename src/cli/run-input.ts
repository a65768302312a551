/**
 * What `parity backtest` and `parity sweep` both read: the strategy, the data, the account and the
 * venue's costs, the span, and the exception policy. One declaration and one flags-to-config
 * mapping, so the two commands cannot drift apart (the sweep promises the backtest's results).
 */
import type { Command } from 'commander';
import type { DeepPartial } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { UsageError } from './errors.ts';
import { collect, parseNumberFlag, parseTimeFlag } from './options.ts';

export const ON_ERROR = ['stop', 'skip'] as const;
export type OnError = (typeof ON_ERROR)[number];

export function parseOnError(value: string): OnError {
  if (!(ON_ERROR as readonly string[]).includes(value)) {
    throw new UsageError(`--on-error takes ${ON_ERROR.join(' or ')} (stop: end the run at the first strategy exception; skip: go on, count them), got "${value}"`);
  }
  return value as OnError;
}

export interface RunInputFlags {
  config?: string;
  strategy?: string;
  data: string[];
  funding?: string;
  index?: string;
  symbol?: string;
  tz?: string;
  cash?: number;
  commissionBps?: number;
  slippageBps?: number;
  param: string[];
  from?: number;
  to?: number;
  onError: OnError;
  typecheck: boolean;
}

/** The help texts that differ between the commands. */
export interface RunInputHelp {
  readonly data: string;
  readonly tz: string;
  /** `-p, --param <key=value>` (backtest) or `<name=values>` (a sweep's grid axis). */
  readonly paramFlag: string;
  readonly param: string;
}

/** Declares the shared flags, in --help order, from --config to --to. */
export function runInputOptions(cmd: Command, help: RunInputHelp): Command {
  return cmd
    .option('--config <file>', 'config file (default: parity.config.json if present)')
    .option('-s, --strategy <file>', 'strategy file (default: strategies/sma-cross.ts)')
    .option('-d, --data <file>', help.data, collect, [])
    .option('--funding <file>', 'funding rates for perpetuals, a CSV ts,symbol,rate (config data.funding): the simulator pays them, the funding feature reads them')
    .option('--index <file>', 'index prices for perpetuals, a CSV ts,symbol,price (config data.index): the basis feature reads them')
    .option('--symbol <symbol>', 'symbol for files without a symbol column')
    .option('--tz <zone>', help.tz)
    .option('--cash <n>', 'starting cash (default 100000)', parseNumberFlag('cash', 0))
    .option('--commission-bps <n>', 'commission in basis points of notional (default 0)', parseNumberFlag('commission-bps', 0))
    .option('--slippage-bps <n>', 'slippage in basis points against you (default 0)', parseNumberFlag('slippage-bps', 0))
    .option(help.paramFlag, help.param, collect, [])
    .option('--from <time>', 'first bar to use (ISO time with offset, date, or epoch ms)', parseTimeFlag('from'))
    .option('--to <time>', 'stop before this time', parseTimeFlag('to'));
}

/** The flags as a partial config: they override the file, which overrides the defaults. */
export function runInputConfig(f: RunInputFlags, params: Readonly<Record<string, unknown>> = {}): DeepPartial<Config> {
  return {
    account: f.cash !== undefined ? { cash: f.cash } : undefined,
    venue: {
      commission: f.commissionBps !== undefined ? { model: 'bps', bps: f.commissionBps } : undefined,
      slippage: f.slippageBps !== undefined ? { kind: 'bps', bps: f.slippageBps } : undefined,
    },
    strategy: { file: f.strategy, params: Object.keys(params).length > 0 ? params : undefined, typecheck: f.typecheck === false ? false : undefined },
    data: { files: f.data.length > 0 ? f.data : undefined, symbol: f.symbol, tz: f.tz, funding: f.funding, index: f.index },
  } as DeepPartial<Config>;
}
