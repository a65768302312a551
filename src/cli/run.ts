/**
 * `parity run`: a paper session (the default) on the simulated venue. With a terminal it opens the
 * console (src/console); `--headless` (or no TTY) prints events as JSON lines. Either way the same
 * operations layer runs: kill switch, pre-flight gates, watchdogs and the control socket that
 * `parity ctl` talks to.
 */
import { closeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isatty } from 'node:tty';
import type { Command } from 'commander';
import { loadConfig, type DeepPartial } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { EngineObserver } from '../engine/engine.ts';
import type { CcxtSession, CcxtSessionOptions } from '../modes/ccxt.ts';
import { startPaper, type PaperSession } from '../modes/paper.ts';
import { describeRun } from '../modes/run-description.ts';
import { runDescriptionLines } from '../backtest/run-info.ts';
import { startAlpaca } from '../modes/alpaca.ts';
import { startIbkr } from '../modes/ibkr.ts';
import type { ReconcileSummary } from '../ops/gates/types.ts';
import { type AcceptVenueResult, summarizeReconcile } from '../ops/reconcile.ts';
import { parseParamFlags } from '../strategy/loader.ts';
import { ConsoleModel, type ConsoleSnapshot, type SessionInfo } from '../console/model.ts';
import { SessionOps } from '../ops/session-ops.ts';
import { terminalPrompt } from '../ops/live-confirm.ts';
import { lockHeldByStore } from '../ops/lock.ts';
import { accountStateDir, KILL_LEVEL_NAMES, type KillState } from '../ops/kill-state.ts';
import { POINTER_FILE } from '../ops/control-socket.ts';
import { COMMANDS, CONFIRM_ARG, type CommandName, type CommandResult } from '../ops/commands.ts';
import { EventLines } from './event-lines.ts';
import { EVENTS_FILE } from '../recording/format.ts';
import { collect, parseNumberFlag, parseSpeed } from './options.ts';
import { UsageError } from './errors.ts';

interface RunFlags {
  config?: string;
  mode: string;
  venue: string;
  strategy?: string;
  param: string[];
  data: string[];
  funding?: string;
  index?: string;
  symbol: string[];
  speed?: number | 'max';
  headless?: boolean;
  sessionsDir?: string;
  stateDir: string;
  live?: boolean;
  confirmAccount?: string;
  onHangup: string;
  confirmTimeout: number;
  typecheck: boolean;
  ibHost?: string;
  ibPort?: number;
  ibClientId?: number;
  account?: string;
  route?: string;
}

const HANGUP_ACTIONS = ['none', 'pause', 'cancel-all', 'flatten', 'shutdown'] as const;
/** Venues with a real (paper or live) account behind them. */
/** The crypto venues behind the one ccxt adapter (profiles in venues/ccxt). */
const CCXT_VENUES: readonly string[] = ['okx', 'binance', 'bybit', 'deribit'];
const LIVE_VENUES: readonly string[] = ['alpaca', 'ibkr', ...CCXT_VENUES];

async function startCcxtVenue(venue: string, config: Config, observers: readonly EngineObserver[], opts: CcxtSessionOptions): Promise<CcxtSession> {
  const [{ startCcxt }, { CCXT_PROFILES }] = await Promise.all([import('../modes/ccxt.ts'), import('../venues/ccxt/profiles.ts')]);
  const profile = CCXT_PROFILES[venue];
  if (profile === undefined) throw new UsageError(`--venue ${venue}: this build has no ccxt profile for it (${Object.keys(CCXT_PROFILES).join(', ')})`);
  return startCcxt(profile, config, observers, opts);
}
type HangupAction = (typeof HANGUP_ACTIONS)[number];

export function registerRun(program: Command): void {
  program
    .command('run', { isDefault: false })
    .description('start a trading session (default: paper on the simulated venue with sma-cross and the sample data)')
    .option('--config <file>', 'config file (default: parity.config.json if present)')
    .option('--mode <mode>', 'paper', 'paper')
    .option('--venue <venue>', 'sim (the built-in simulated venue), alpaca (keys from ALPACA_* / .env), ibkr (TWS / IB Gateway), or through ccxt okx, binance, bybit, deribit (keys from OKX_* / BINANCE_* / BYBIT_* / DERIBIT_* or .env; the venue\'s demo / test account unless --live)', 'sim')
    .option('--symbol <S>', 'with a venue other than sim: a symbol to trade; repeat for several (default: from the data file names; ccxt venues: <venue>.symbols, ccxt spelling BTC/USDT or BTC/USDT:USDT)', collect, [])
    .option('--ib-host <host>', 'with --venue ibkr: where TWS / IB Gateway listens (default 127.0.0.1, or ibkr.host in the config)')
    .option('--ib-port <port>', 'with --venue ibkr: 4002 Gateway paper (default), 4001 Gateway live, 7497 TWS paper, 7496 TWS live', parseNumberFlag('ib-port', 1))
    .option('--ib-client-id <id>', 'with --venue ibkr: the FIXED API client id (default ibkr.clientId in the config, 17)', parseNumberFlag('ib-client-id', 0))
    .option('--account <id>', 'with --venue ibkr: the account to trade when the login manages several')
    .option('--route <exchange>', 'with --venue ibkr: exchange for orders and data (default SMART)')
    .option('-s, --strategy <file>', 'strategy file (default: strategies/sma-cross.ts)')
    .option('-p, --param <key=value>', 'strategy parameter; repeat for several', collect, [])
    .option('-d, --data <file>', 'bars to replay as the market (CSV or JSONL); repeat for several', collect, [])
    .option('--funding <file>', 'funding rates for perpetuals beside --data, a CSV ts,symbol,rate (config data.funding)')
    .option('--index <file>', 'index prices for perpetuals beside --data, a CSV ts,symbol,price (config data.index; the basis feature)')
    .option('--speed <x>', 'play the data at x times the pace of its timestamps, or "max" (default 300)', parseSpeed)
    .option('--headless', 'no console: print events as JSON lines')
    .option('--sessions-dir <dir>', 'where session folders go (default sessions/)')
    .option('--state-dir <dir>', 'persisted state per venue account: order journal and store, kill-switch latch, lock', 'state')
    .option('--live', 'trade real money (needs a live venue and the account id typed at the prompt)')
    .option('--confirm-account <id>', 'live without a terminal: the account id, instead of the typed prompt')
    .option('--on-hangup <action>', `what a lost terminal (SIGHUP) does: ${HANGUP_ACTIONS.join(' | ')}`, 'pause')
    .option('--no-typecheck', 'skip type-checking the strategy against the strategy API before it loads')
    .option('--confirm-timeout <ms>', 'how long cancel / flatten wait for the venue to confirm', parseNumberFlag('confirm-timeout', 100), 15_000)
    .action(async (flags: RunFlags) => {
      if (flags.live === true || flags.mode === 'live') {
        if (flags.venue === 'sim') throw new UsageError('--live refused: the simulated venue (sim) never trades real money, and this build has no live venue adapter for `parity run` yet. Drop --live for a paper session.');
        if (!LIVE_VENUES.includes(flags.venue)) throw new UsageError(`--live on venue ${flags.venue} is not available in this build`);
      } else if (flags.confirmAccount !== undefined) throw new UsageError('--confirm-account only applies with --live');
      if (flags.mode !== 'paper' && !(flags.mode === 'live' && LIVE_VENUES.includes(flags.venue))) throw new UsageError(`--mode ${flags.mode} is not available yet: this build runs paper sessions (and live on ${LIVE_VENUES.join(', ')})`);
      if (flags.venue !== 'sim' && !LIVE_VENUES.includes(flags.venue)) throw new UsageError(`--venue ${flags.venue} is not available: this build has sim, ${LIVE_VENUES.join(', ')}`);
      if (flags.venue !== 'ibkr') {
        for (const [flag, v] of [['--ib-host', flags.ibHost], ['--ib-port', flags.ibPort], ['--ib-client-id', flags.ibClientId], ['--account', flags.account], ['--route', flags.route]] as const) {
          if (v !== undefined) throw new UsageError(`${flag} only applies with --venue ibkr`);
        }
      }
      if (!(HANGUP_ACTIONS as readonly string[]).includes(flags.onHangup)) throw new UsageError(`--on-hangup takes ${HANGUP_ACTIONS.join(', ')}, got "${flags.onHangup}"`);
      const { config } = loadConfig(flags.config, flagsToConfig(flags));
      const tty = flags.headless !== true && process.stdout.isTTY === true && process.stdin.isTTY === true;
      await runSession(config, flags, tty);
    });
}

async function runSession(config: Config, flags: RunFlags, tty: boolean): Promise<void> {
  let paper: PaperSession | null = null;
  let exiting = false;
  /** The terminal is gone (reads and writes fail): nothing is drawn or printed any more. */
  let detached = false;
  /** SIGHUP arrived (the terminal may still be there: a signal from kill, a supervisor, a multiplexer). */
  let hungUp = false;
  let unmount: (() => void) | null = null;
  let exitCode = 0;
  // Human text: the terminal after the console unmounts; headless, stderr (stdout is JSON lines only).
  const out = (s: string) => { if (!detached) (tty ? process.stdout : process.stderr).write(s); };

  /** The kill latch restored at start (null: none, or level 0). */
  let heldAtStart: KillState | null = null;
  let reconcileImpl: (() => Promise<ReconcileSummary>) | null = null;
  let acceptImpl: ((by: string) => Promise<AcceptVenueResult>) | null = null;
  // The session's description, kept here: the model's snapshot of it can be a frame old.
  let info: SessionInfo = { mode: 'paper', venue: 'sim', account: 'paper', strategy: '', session: '', sessionDir: '', pace: config.run.speed === 'max' ? 'max' : `${config.run.speed}x`, inProcessVenue: true };
  const model = new ConsoleModel({ info, maxFps: 10 });
  const setInfo = (change: Partial<SessionInfo>): void => { info = { ...info, ...change }; model.setInfo(info); };
  const ops = new SessionOps({
    // The account is named once the venue answers (bindAccount); the sim's is always sim-paper.
    // Alpaca's feed follows the wall clock: silence there means stale data.
    mode: 'paper', venue: 'sim', account: 'paper', stateRoot: flags.stateDir, limits: config.risk, realtime: LIVE_VENUES.includes(flags.venue),
    // The session's reconciliation (bound by startPaper / startAlpaca before the engine starts). Every
    // answer reaches the pane from here, the start-up gate's included: the reconciler's own result
    // listener is attached only once the session has started, after that first run may have answered.
    reconcile: async () => {
      if (reconcileImpl === null) throw new Error('the session has not started');
      const r = await reconcileImpl();
      ops.showReconciliation(r);
      return r;
    },
    acceptVenue: (by) => (acceptImpl !== null ? acceptImpl(by) : Promise.reject(new Error('the session has not started'))),
    confirmTimeoutMs: flags.confirmTimeout,
    ...(config.account.jurisdiction !== undefined ? { jurisdiction: config.account.jurisdiction } : {}),
    lastQuote: (s) => model.lastQuote(s),
    onChange: () => model.invalidate(),
    onShutdown: (r) => { setTimeout(() => void finish(r.ok ? 0 : 2, 'shutdown', r.message), 300); },
  });
  model.setOps(() => ops.view());

  /** Leave: persist, stop, disconnect, close the socket, release the lock, then exit. */
  const finish = async (code: number, by: string, why: string): Promise<void> => {
    if (exiting) return;
    exiting = true;
    exitCode = code;
    await ops.close(by);
    if (paper !== null) {
      paper.engine.stop();
      try { await paper.engine.execution.disconnect(); } catch { /* already gone */ }
    }
    if (unmount !== null) { try { unmount(); } catch { /* terminal gone */ } }
    if (paper !== null) {
      const a = paper.engine.portfolio.account();
      const k = ops.store.load();
      out(`parity: ${why}\n  session ${paper.session.name} ended (${by}); equity ${a.equity.toFixed(2)}, realized ${a.realizedPnl.toFixed(2)}\n  kill switch level ${k?.level ?? 0} saved in ${ops.store.path}\n`);
      if (k !== null && k.level > 0) out(heldAtEnd(k, heldAtStart, paper.recorder.counts.fills));
    }
    process.exitCode = exitCode;
    // Ink and the socket leave handles behind on some terminals: leave deliberately, with the status
    // a supervisor expects (0 after a clean shutdown), whether or not the terminal is still there.
    setTimeout(() => { releaseDeadTerminal(); process.exit(exitCode); }, 50);
  };

  /** The terminal went away: stop drawing (Ink off, no more reads); the engine runs on. */
  const detach = (): void => {
    detached = true;
    if (unmount !== null) { const u = unmount; unmount = null; try { u(); } catch { /* tty gone */ } }
    try { process.stdin.pause(); } catch { /* tty gone */ }
  };

  // Headless stdout is JSON lines for a reader that may leave (`| head -1`, a closed log pipe). A
  // closed stdout does not stop a trading session: the lines stop, the engine and its recording run
  // on, and stderr says so once (as soon as the recording's path is known).
  let stdoutGone: string | null = null;
  const sayStdoutGone = (): void => {
    if (stdoutGone === null || paper === null) return;
    out(`parity: stdout closed${stdoutGone}; events are still recorded in ${join(paper.session.dir, EVENTS_FILE)}\n`);
    stdoutGone = null;
  };
  const lines = tty ? null : new EventLines(process.stdout, true, (err, expected) => {
    stdoutGone = expected ? '' : ` (${err.code ?? err.message})`;
    sayStdoutGone();
  });
  if (!tty) {
    // Headless stdout is for `jq`: a strategy's (or a library's) console.log goes to stderr instead.
    console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
    // A closed stderr (the human text) must not take the session down either.
    process.stderr.on('error', () => { detached = true; });
  }
  const observers: EngineObserver[] = lines === null ? [ops, model] : [ops, lines];
  const venueOpts = {
    live: flags.live === true || flags.mode === 'live', symbols: flags.symbol, stateDir: flags.stateDir,
    ...(flags.confirmAccount !== undefined ? { confirmAccount: flags.confirmAccount } : {}),
    ...(tty ? { prompt: terminalPrompt } : {}),
    bindReconcile: (fn: () => Promise<ReconcileSummary>) => { reconcileImpl = fn; },
    onAccount: (venueName: string, account: { readonly accountId: string; readonly live: boolean }) => {
      const mode = account.live ? 'live' : 'paper';
      // The account's durable store takes the folder's lock as it opens: one lock, not two.
      ops.bindAccount(mode, venueName, account.accountId, lockHeldByStore(accountStateDir(flags.stateDir, venueName, account.accountId)));
      setInfo({ mode, venue: venueName, account: account.accountId, inProcessVenue: false });
    },
    // The kill switch's latch (ops) carries the pauses that outlive a restart; it lives in the store.
    restoreTradingState: false,
    onStore: (store: Parameters<typeof ops.bindStore>[0]) => ops.bindStore(store),
    reconcileHold: { pause: (r: string) => ops.guard.hold('reconcile', 'paused', r), resume: (why: string) => { ops.guard.release((k) => k === 'reconcile', why); } },
  };
  paper = CCXT_VENUES.includes(flags.venue)
    // Loaded on demand: ccxt is a large package that no other session needs at start-up.
    ? await startCcxtVenue(flags.venue, config, observers, venueOpts)
    : flags.venue === 'ibkr'
    ? await startIbkr(config, observers, venueOpts)
    : flags.venue === 'alpaca'
    ? await startAlpaca(config, observers, venueOpts)
    : await startPaper(config, observers, {
      bindReconcile: (fn) => { reconcileImpl = fn; },
      reconcileHold: { pause: (r) => ops.guard.hold('reconcile', 'paused', r), resume: (why) => { ops.guard.release((k) => k === 'reconcile', why); } },
    });
  const p = paper;
  sayStdoutGone();
  // A latch saved by an earlier session (L4 after a shutdown) holds trading from the first bar: say
  // so where the operator looks, not only in the JSON lines, or the session just "trades nothing".
  heldAtStart = ops.kill.level() > 0 ? ops.store.load() : null;
  if (heldAtStart !== null && heldAtStart.level > 0) {
    const held = `trading is held by the saved kill switch ${KILL_LEVEL_NAMES[heldAtStart.level]} (${heldAtStart.reason}, ${heldAtStart.at})`;
    const lift = `no orders until it is lifted: ${liftCommand(heldAtStart)} while the session runs`;
    if (tty) model.note('warn', `${held}: ${lift}`);
    else out(`parity: ${held}\n  ${lift}\n  saved in ${ops.store.path}\n`);
  }
  let removeControlFiles = (): void => {};
  // Whatever way the process leaves (an uncaught error, process.exit anywhere), the recording's last
  // batch reaches the disk and the control socket does not outlive the process. Both are synchronous.
  process.on('exit', () => { p.recorder.finalize('exit'); removeControlFiles(); });
  process.on('uncaughtException', (err) => {
    try { process.stderr.write(`parity: unexpected error: ${err.stack ?? err.message}\n`); } catch { /* stderr gone */ }
    p.recorder.finalize(`crashed: ${err.message}`);
    if (exiting) { process.exit(1); }
    void finish(1, 'crash', 'the session stopped on an unexpected error (above): state saved');
  });
  // The operator's remedy for a reconciliation difference, and every result for the pane.
  acceptImpl = (by) => p.reconciler.acceptVenue(by);
  p.reconciler.onResult((r) => ops.showReconciliation(summarizeReconcile(r)));
  const described = describeRun(config, p.parts);
  setInfo({ strategy: p.parts.strategy.definition.name, session: p.session.name, id: p.session.id, sessionDir: p.session.dir, run: runDescriptionLines(described) });
  for (const w of [...described.warnings, ...p.parts.warnings]) {
    if (tty) model.note('warn', w);
    else process.stderr.write(`warning: ${w}\n`);
  }
  const server = await ops.startControl({ id: p.session.id, name: p.session.name, dir: p.session.dir });
  // The exit backstop (above): a clean close has removed these already; an abrupt exit has not.
  removeControlFiles = () => { for (const f of [server.socket, join(p.session.dir, POINTER_FILE)]) rmSync(f, { force: true }); };
  p.engine.log('info', 'operator', `control socket ${server.socket}: parity ctl status|pause|resume|cancel-all|flatten|shutdown|accept-venue`);

  const dispatch = (command: CommandName, by: string): Promise<CommandResult> => ops.bus.dispatch({ command, by });

  process.on('SIGTERM', () => void finish(0, 'sigterm', 'SIGTERM: state saved, exiting cleanly (positions left as they are)'));
  if (!tty) process.on('SIGINT', () => void finish(0, 'sigint', 'interrupted: state saved, exiting (positions left as they are)'));
  process.on('SIGHUP', () => {
    // Keep the engine (and recording) running and apply the action. A terminal that is gone stops
    // the drawing; one still there (the pane is open: the signal came from kill, a supervisor, a
    // multiplexer) keeps it, so the screen shows the level the engine really holds, and the console
    // keeps reading its keys in raw mode (nothing typed echoes over the screen).
    hungUp = true;
    // Reads and writes on a hung-up terminal fail with EIO: they must not take the engine down.
    for (const s of [process.stdout, process.stderr, process.stdin]) s.on('error', () => {});
    if (terminalGone()) detach();
    // A session whose data already ran out has nothing left to run: its operator hung up, end it.
    if (p.engine.isStopped()) { void finish(0, 'sighup', 'terminal hung up after the session ended: state saved'); return; }
    const action = flags.onHangup as HangupAction;
    p.engine.log('warn', 'operator', `terminal hung up (SIGHUP): engine keeps running; action: ${action}; reach it with parity ctl`);
    if (action !== 'none' && (COMMANDS as readonly string[]).includes(action)) void dispatch(action as CommandName, 'sighup');
  });

  if (tty) {
    // A terminal that goes away makes reads and writes fail (EIO) before or after SIGHUP arrives:
    // that must never take the engine down. Other stream errors still surface.
    for (const s of [process.stdout, process.stderr, process.stdin]) {
      s.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EIO' || err.code === 'EPIPE' || err.code === 'ENXIO' || err.code === 'EBADF') { detach(); return; }
        p.engine.log('error', 'console', `terminal stream error: ${err.message}`);
      });
    }
    // Ink treats a set CI variable as "not a terminal" and draws only on exit; this IS a terminal.
    delete process.env['CI'];
    delete process.env['CONTINUOUS_INTEGRATION'];
    // React's development build is several times slower and prints dev warnings over the screen.
    process.env['NODE_ENV'] ??= 'production';
    const { mountConsole } = await import('../console/render.tsx');
    const inst = mountConsole({
      source: model,
      mode: flags.live === true || flags.mode === 'live' ? 'live' : 'paper',
      keys: {
        // args: the confirmed resume (p p from a halt or L3/L4), the order or symbol of a `d d`.
        command: (name, args) => ops.bus.dispatch({ command: name, by: 'console', ...(args !== undefined ? { args } : {}) }),
        reconcile: () => ops.reconcileNow(),
        rerunGates: async () => { await ops.rerunGates(); },
        quit: () => void finish(0, 'quit', 'quit by the operator: state saved'),
        quitWarning: quitWarning,
      },
    });
    unmount = () => inst.unmount();
    // The terminal may have gone while the console was being mounted.
    if (detached || terminalGone()) detach();
  }

  await p.done;
  if (exiting) return;
  if (!tty || detached || hungUp) {
    // Headless: the data is exhausted, the session is over. Consoles whose terminal hung up end the same way.
    await finish(0, 'end', 'data exhausted: session complete');
    return;
  }
  model.setEnded('data exhausted: the session is over (engine stopped)');
}

/** How the operator lifts a latch: L3/L4 and the engine's own stops need the confirm (ops/commands.ts). */
function liftCommand(k: KillState): string {
  const confirm = k.level >= 3 || k.reason.startsWith('engine ');
  return confirm ? `parity ctl resume ${CONFIRM_ARG} (console: p, then p again)` : 'parity ctl resume (console: p)';
}

/** The final lines' word on a latch still set: what it did to this session, and the next start. */
function heldAtEnd(k: KillState, atStart: KillState | null, fills: number): string {
  const name = `kill switch ${KILL_LEVEL_NAMES[k.level]} (${k.reason})`;
  const all = atStart !== null && atStart.level > 0 && fills === 0;
  const what = all ? `  trading was held all session by the ${name}: nothing traded\n` : `  trading is held by the ${name}\n`;
  return `${what}  the next start is held too: lift it with ${liftCommand(k)} while a session runs\n`;
}

/** Which standard descriptors were terminals when the process started (what Node 20 restores on exit). */
const TTY_AT_START: readonly boolean[] = [0, 1, 2].map((fd) => isatty(fd));

/**
 * A hung-up terminal is still open as a descriptor but answers every terminal request with EIO,
 * so it no longer reads as a terminal. Only stdin and stdout matter for the console.
 */
function terminalGone(): boolean {
  return [0, 1].some((fd) => TTY_AT_START[fd] === true && !isatty(fd));
}

/**
 * Node 20 restores each standard terminal's modes at exit and asserts that tcsetattr succeeded (or
 * failed with EPERM): on a hung-up terminal it fails with EIO and the process aborts (status 134,
 * "Assertion failed ... ResetStdio"; later majors ignore the error). The restore skips a descriptor
 * that is closed, and a dead terminal has no modes worth restoring: close those just before exit.
 */
function releaseDeadTerminal(): void {
  for (const fd of [0, 1, 2]) {
    if (TTY_AT_START[fd] === true && !isatty(fd)) { try { closeSync(fd); } catch { /* already closed */ } }
  }
}

/** What quitting leaves behind, in the confirm prompt. */
export function quitWarning(snap: ConsoleSnapshot): string {
  const pos = snap.positions.filter((p) => p.qty !== 0).map((p) => `${p.symbol} ${p.qty}`);
  const what = `${snap.openOrders} order(s), ${pos.length ? pos.join(', ') : 'flat'}`;
  if (snap.info.inProcessVenue) return `sim venue ends: ${what}`;
  return `stays open at ${snap.info.venue}: ${what} (X flattens first)`;
}

function flagsToConfig(f: RunFlags): DeepPartial<Config> {
  const params = parseParamFlags(f.param);
  return {
    strategy: { file: f.strategy, params: Object.keys(params).length > 0 ? params : undefined, typecheck: f.typecheck === false ? false : undefined },
    data: { files: f.data.length > 0 ? f.data : undefined, funding: f.funding, index: f.index },
    run: { speed: f.speed, sessionsDir: f.sessionsDir },
    ibkr: { host: f.ibHost, port: f.ibPort, clientId: f.ibClientId, account: f.account, route: f.route },
  } as DeepPartial<Config>;
}
