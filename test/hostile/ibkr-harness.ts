/**
 * The REAL IBKR adapter (IbkrLink + OrderIdAllocator + IbkrExecution, assembled as
 * src/modes/ibkr.ts assembles them) against the hostile TWS server of tws-hostile-server.ts.
 * Only the disk is a stand-in (MemoryFileSystem), so a "restart" keeps the order-id high-water mark.
 */
import { EventName } from '@stoqey/ib';
import { IbkrExecution, IbkrLink, OrderIdAllocator } from '../../src/venues/ibkr/index.ts';
import type { ExecutionReport, SubmitCommand } from '../../src/ports/index.ts';
import type { OrderRequest } from '../../src/domain/order.ts';
import { InstrumentRegistry } from '../../src/domain/instrument-registry.ts';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { MemoryFileSystem } from '../../src/util/memory-file-system.ts';
import { HostileTws, type HostileOptions } from './tws-hostile-server.ts';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, what: string, timeoutMs = 3000, dump: () => string = () => ''): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${dump() !== '' ? `: ${dump()}` : ''}`);
    await sleep(5);
  }
}

export interface Client {
  readonly link: IbkrLink;
  readonly exec: IbkrExecution;
  readonly ids: OrderIdAllocator;
  readonly reports: ExecutionReport[];
  readonly logs: string[];
  readonly codes: { code: number; id: number; message: string }[];
  fills(cid?: string): Extract<ExecutionReport, { kind: 'fill' }>[];
  kinds(cid: string): string[];
  submit(cid: string, r?: Partial<OrderRequest>): void;
  dump(): string;
  close(): void;
}

export interface ClientOptions {
  clientId?: number; commissionWaitMs?: number; heartbeatMs?: number; heartbeatTimeoutMs?: number; connectTimeoutMs?: number;
  requestTimeoutMs?: number; onResynced?: (why: string) => Promise<void> | void; account?: string;
}

export interface Arena {
  readonly tws: HostileTws;
  readonly fs: MemoryFileSystem;
  client(o?: ClientOptions): Promise<Client>;
  close(): Promise<void>;
}

export async function arena(o: HostileOptions = {}): Promise<Arena> {
  const tws = await HostileTws.start(o);
  const fs = new MemoryFileSystem();
  const clients: Client[] = [];
  return {
    tws, fs,
    client: async (co = {}) => {
      const logs: string[] = [];
      const codes: { code: number; id: number; message: string }[] = [];
      const link = new IbkrLink({
        host: '127.0.0.1', port: tws.port, clientId: co.clientId ?? 7, reconnectInitialMs: 30, reconnectMaxMs: 100, random: () => 0.5,
        heartbeatMs: co.heartbeatMs ?? 0, heartbeatTimeoutMs: co.heartbeatTimeoutMs ?? 300, connectTimeoutMs: co.connectTimeoutMs ?? 1500, requestTimeoutMs: co.requestTimeoutMs ?? 1500,
        onProblem: (p) => logs.push(`problem ${p.name}: ${p.message}`), onInfo: (level, m) => logs.push(`${level} ${m}`),
      });
      link.api.on(EventName.error, (err: Error, code: number, id: number) => codes.push({ code, id, message: err.message }));
      link.api.on(EventName.info, (message: string, code: number) => codes.push({ code, id: -1, message }));
      await link.open();
      const account = co.account ?? link.managedAccounts[0]!;
      const ids = new OrderIdAllocator({ fs, dir: '/state/ibkr-DU1234567', block: 5 });
      const instruments = new InstrumentRegistry([makeInstrument('AAPL', 'ibkr', { assetClass: 'equity' })]);
      const exec = new IbkrExecution({
        link, ids, account, live: false, instruments, commissionWaitMs: co.commissionWaitMs ?? 300,
        onProblem: (p) => logs.push(`problem ${p.name}: ${p.message}`), onInfo: (level, m) => logs.push(`${level} ${m}`),
        ...(co.onResynced !== undefined ? { onResynced: co.onResynced } : {}),
      });
      const reports: ExecutionReport[] = [];
      await exec.connect((r) => { reports.push(r); });
      const c: Client = {
        link, exec, ids, reports, logs, codes,
        fills: (cid) => reports.filter((r): r is Extract<ExecutionReport, { kind: 'fill' }> => r.kind === 'fill' && (cid === undefined || r.clientOrderId === cid)),
        kinds: (cid) => reports.filter((r) => r.clientOrderId === cid).map((r) => r.kind),
        submit: (cid, r = {}) => {
          const cmd: SubmitCommand = { clientOrderId: cid, request: { symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limitPrice: 100, tif: 'day', ...r } as OrderRequest, ts: Date.now() };
          exec.submit(cmd);
        },
        dump: () => `reports=${JSON.stringify(reports)} logs=${logs.join(' | ')} codes=${JSON.stringify(codes)}`,
        close: () => exec.disconnect(),
      };
      clients.push(c);
      return c;
    },
    close: async () => {
      for (const c of clients) { try { c.close(); } catch { /* closed */ } }
      await tws.close();
    },
  };
}

/** SDK decode errors (505 / underrun): a layout mistake in the hostile server itself. */
export const layoutErrors = (c: Client): unknown[] => c.codes.filter((x) => x.code === 505 || /unprocessed data|Underrun/i.test(x.message));
