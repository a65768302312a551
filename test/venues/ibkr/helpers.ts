/**
 * The IBKR adapter against the TWS fake (src/venue-server/tws), both for real: the @stoqey/ib SDK
 * over a socket on 127.0.0.1, the adapter's own link, execution client and id allocator. The
 * only stand-in is the disk (MemoryFileSystem), so a "restart" keeps the order-id high-water mark.
 */
import { EventName } from '@stoqey/ib';
import { startTwsFake, type TwsFake, type TwsFakeOptions } from '../../../src/venue-server/tws/index.ts';
import { IbkrExecution, IbkrLink, OrderIdAllocator } from '../../../src/venues/ibkr/index.ts';
import type { ExecutionReport, TransportHooks } from '../../../src/ports/index.ts';
import { InstrumentRegistry } from '../../../src/domain/instrument-registry.ts';
import { makeInstrument } from '../../../src/domain/instrument.ts';
import { MemoryFileSystem } from '../../../src/util/memory-file-system.ts';

export const T0 = Date.parse('2026-03-02T14:31:00Z');
export const MIN = 60_000;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const bar = (symbol: string, i: number, open: number, high: number, low: number, close: number) =>
  ({ symbol, ts: T0 + i * MIN, open, high, low, close, volume: 1000 });

export interface Side {
  readonly link: IbkrLink;
  readonly exec: IbkrExecution;
  readonly reports: ExecutionReport[];
  readonly logs: string[];
  /** SDK-level error / info codes the link heard (505 = a layout mistake somewhere). */
  readonly codes: { code: number; id: number; message: string }[];
  /** Orders the SDK sent (placeOrder) and cancels, counted from the SDK's `sent` event. */
  readonly sent: { place: number; cancel: number; globalCancel: number };
  wait(pred: (r: ExecutionReport) => boolean, what: string, timeoutMs?: number): Promise<ExecutionReport>;
  close(): void;
}

export interface World {
  readonly fake: TwsFake;
  readonly fs: MemoryFileSystem;
  readonly fakeLogs: string[];
  side(o?: { clientId?: number; commissionWaitMs?: number; heartbeatMs?: number; heartbeatTimeoutMs?: number; transport?: TransportHooks }): Promise<Side>;
  close(): Promise<void>;
}

export async function world(opts: Partial<TwsFakeOptions> = {}): Promise<World> {
  const fakeLogs: string[] = [];
  // The venue's clock starts a minute before the first bar the tests push (a DAY order placed "now" cannot fill on an older bar).
  const fake = await startTwsFake({ port: 0, symbols: ['AAPL', 'MSFT'], startTime: T0 - MIN, log: (l) => fakeLogs.push(l), ...opts });
  const fs = new MemoryFileSystem();
  const sides: Side[] = [];
  return {
    fake, fs, fakeLogs,
    side: async (o = {}) => {
      const logs: string[] = [];
      const codes: { code: number; id: number; message: string }[] = [];
      const link = new IbkrLink({
        host: '127.0.0.1', port: fake.port, clientId: o.clientId ?? 7, reconnectInitialMs: 50, reconnectMaxMs: 200, random: () => 0.5,
        heartbeatMs: o.heartbeatMs ?? 0, heartbeatTimeoutMs: o.heartbeatTimeoutMs ?? 500, connectTimeoutMs: 3000, requestTimeoutMs: 3000,
        onProblem: (p) => logs.push(`problem ${p.name}: ${p.message}`), onInfo: (level, m) => logs.push(`${level} ${m}`),
      });
      link.api.on(EventName.error, (err: Error, code: number, id: number) => codes.push({ code, id, message: err.message }));
      link.api.on(EventName.info, (message: string, code: number) => codes.push({ code, id: -1, message }));
      const sent = { place: 0, cancel: 0, globalCancel: 0 };
      link.api.on(EventName.sent, (tokens: unknown[]) => {
        const id = Number(tokens[0]);
        if (id === 3) sent.place++;
        else if (id === 4) sent.cancel++;
        else if (id === 58) sent.globalCancel++;
      });
      await link.open();
      const account = link.managedAccounts[0]!;
      const ids = new OrderIdAllocator({ fs, dir: '/state/ibkr-acct', block: 5 });
      const instruments = new InstrumentRegistry([makeInstrument('AAPL', 'ibkr', { assetClass: 'equity' }), makeInstrument('MSFT', 'ibkr', { assetClass: 'equity' })]);
      const exec = new IbkrExecution({
        link, ids, account, live: false, instruments, commissionWaitMs: o.commissionWaitMs ?? 2000,
        onProblem: (p) => logs.push(`problem ${p.name}: ${p.message}`), onInfo: (level, m) => logs.push(`${level} ${m}`),
      });
      const reports: ExecutionReport[] = [];
      const waiters: { pred: (r: ExecutionReport) => boolean; resolve: (r: ExecutionReport) => void }[] = [];
      await exec.connect((r) => {
        reports.push(r);
        for (const w of [...waiters]) if (w.pred(r)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(r); }
      }, o.transport);
      const side: Side = {
        link, exec, reports, logs, codes, sent,
        wait: (pred, what, timeoutMs = 4000) => {
          const seen = reports.find(pred);
          if (seen !== undefined) return Promise.resolve(seen);
          return new Promise<ExecutionReport>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; reports: ${JSON.stringify(reports)}; logs: ${logs.join(' | ')}`)), timeoutMs);
            waiters.push({ pred, resolve: (r) => { clearTimeout(t); resolve(r); } });
          });
        },
        close: () => exec.disconnect(),
      };
      sides.push(side);
      return side;
    },
    close: async () => {
      for (const s of sides) { try { s.close(); } catch { /* closed */ } }
      await fake.close();
    },
  };
}

/** Decoding trouble the SDK reports as 505 (a field too many or too few): must never happen. */
export const layoutErrors = (s: Side): unknown[] => s.codes.filter((c) => c.code === 505 || /unprocessed data|Underrun/i.test(c.message));

/** Wait until `cond` holds (polling), or fail saying what was awaited. */
export async function until(cond: () => boolean, what: string, timeoutMs = 4000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
