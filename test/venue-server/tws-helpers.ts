/**
 * Helpers for the TWS fake's tests: the REAL @stoqey/ib SDK (IBApi) over a real socket on
 * 127.0.0.1, always given host and port (never IB_HOST / IB_PORT from the environment). Every
 * `error` and `info` event is recorded, so a test can assert that the SDK never reported a 505
 * (unprocessed data / underrun: a wrong field layout on our side).
 */
import { EventName, IBApi, type Contract, type Order } from '@stoqey/ib';
import { startTwsFake, type TwsFake, type TwsFakeOptions } from '../../src/venue-server/tws/index.ts';

export interface SdkError { readonly code: number; readonly id: number; readonly message: string }

type Listener = (...args: unknown[]) => void;
interface Emitter { on(event: string, fn: Listener): unknown; off(event: string, fn: Listener): unknown }

export class Client {
  readonly ib: IBApi;
  /** The SDK's EventEmitter with untyped listeners (the typed overloads do not take a generic one). */
  private readonly em: Emitter;
  readonly errors: SdkError[] = [];
  readonly infos: SdkError[] = [];
  nextValidId: number | null = null;
  accounts: string | null = null;
  disconnects = 0;

  constructor(readonly port: number) {
    this.ib = new IBApi({ host: '127.0.0.1', port });
    this.em = this.ib as unknown as Emitter;
    this.ib.on(EventName.error, (err: Error, code: number, id: number) => this.errors.push({ code, id, message: err.message }));
    this.ib.on(EventName.info, (message: string, code: number) => this.infos.push({ code, id: -1, message }));
    this.ib.on(EventName.nextValidId, (id: number) => { this.nextValidId = id; });
    this.ib.on(EventName.managedAccounts, (a: string) => { this.accounts = a; });
    this.ib.on(EventName.disconnected, () => { this.disconnects++; });
  }

  /** Connect with a fixed client id and wait for nextValidId (the SDK holds requests until then). */
  async connect(clientId: number): Promise<this> {
    this.nextValidId = null;
    const got = this.once<[number]>(EventName.nextValidId);
    this.ib.connect(clientId);
    await got;
    return this;
  }

  async disconnect(): Promise<void> {
    if (!this.ib.isConnected) return;
    const gone = this.once(EventName.disconnected);
    this.ib.disconnect();
    await gone;
    // The SDK reports a socket's 'end' and 'close' separately; a connect() between the two would be
    // reported disconnected by the second.
    await new Promise<void>((r) => setTimeout(r, 10));
  }

  /** The next `event` whose arguments satisfy `pred`. */
  once<A extends unknown[] = unknown[]>(event: EventName, pred: (...args: A) => boolean = () => true, timeoutMs = 3000): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.em.off(event, on);
        reject(new Error(`timed out waiting for ${event}; errors so far: ${JSON.stringify(this.errors)} infos: ${JSON.stringify(this.infos)}`));
      }, timeoutMs);
      const on = (...args: unknown[]): void => {
        if (!pred(...(args as A))) return;
        clearTimeout(timer);
        this.em.off(event, on);
        resolve(args as A);
      };
      this.em.on(event, on);
    });
  }

  /** Every `event` until `end` fires (both listened to before `start` runs). */
  async collect<A extends unknown[]>(event: EventName, end: EventName, start: () => void, endPred: (...args: unknown[]) => boolean = () => true): Promise<A[]> {
    const got: A[] = [];
    const on = (...args: unknown[]): void => { got.push(args as A); };
    this.em.on(event, on);
    const done = this.once(end, endPred);
    start();
    try {
      await done;
    } finally {
      this.em.off(event, on);
    }
    return got;
  }

  /** The next error with this code (and id, when given). */
  error(code: number, id?: number, timeoutMs = 3000): Promise<SdkError> {
    const seen = this.errors.find((e) => e.code === code && (id === undefined || e.id === id));
    if (seen !== undefined) return Promise.resolve(seen);
    return this.once<[Error, number, number]>(EventName.error, (_e, c, i) => c === code && (id === undefined || i === id), timeoutMs)
      .then(([e, c, i]) => ({ code: c, id: i, message: e.message }));
  }

  info(code: number, timeoutMs = 3000): Promise<SdkError> {
    const seen = this.infos.find((e) => e.code === code);
    if (seen !== undefined) return Promise.resolve(seen);
    return this.once<[string, number]>(EventName.info, (_m, c) => c === code, timeoutMs).then(([m, c]) => ({ code: c, id: -1, message: m }));
  }

  /** Decoding trouble the SDK reports as 505 (a field too many or too few): must never happen. */
  layoutErrors(): SdkError[] {
    return [...this.errors, ...this.infos].filter((e) => e.code === 505 || /unprocessed data|Underrun/i.test(e.message));
  }
}

export const stk = (symbol: string): Contract => ({ symbol, secType: 'STK' as Contract['secType'], exchange: 'SMART', currency: 'USD' });

export const order = (o: Partial<Order> & Pick<Order, 'action' | 'orderType' | 'totalQuantity'>): Order => ({ tif: 'DAY' as Order['tif'], transmit: true, ...o } as Order);

export interface Rig {
  readonly fake: TwsFake;
  readonly logs: string[];
  readonly clients: Client[];
  client(): Client;
  close(): Promise<void>;
}

export async function rig(opts: Partial<TwsFakeOptions> = {}): Promise<Rig> {
  const logs: string[] = [];
  const fake = await startTwsFake({ port: 0, symbols: ['AAPL', 'MSFT'], startTime: T0 - MIN, log: (l) => logs.push(l), ...opts });
  const clients: Client[] = [];
  return {
    fake, logs, clients,
    client: () => {
      const c = new Client(fake.port);
      clients.push(c);
      return c;
    },
    close: async () => {
      for (const c of clients) if (c.ib.isConnected) c.ib.disconnect();
      await fake.close();
    },
  };
}

export const T0 = Date.parse('2026-03-02T14:31:00Z');
export const MIN = 60_000;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A bare socket client for what the SDK will not send (malformed or unknown requests, odd version
 * ranges): writes raw frames and reads the fake's answers as field lists.
 */
export class RawClient {
  private buf = Buffer.alloc(0);
  readonly messages: string[][] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(private readonly sock: import('node:net').Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readUInt32BE(0)) {
        const len = this.buf.readUInt32BE(0);
        this.messages.push(this.buf.subarray(4, 4 + len).toString('utf8').replace(/\0$/, '').split('\0'));
        this.buf = this.buf.subarray(4 + len);
      }
      this.wake();
    });
    sock.on('close', () => { this.closed = true; this.wake(); });
    sock.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async open(port: number, versions = 'v100..193'): Promise<RawClient> {
    const { connect } = await import('node:net');
    const sock = connect({ host: '127.0.0.1', port });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const c = new RawClient(sock);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(Buffer.byteLength(versions));
    sock.write(Buffer.concat([Buffer.from('API\0', 'latin1'), len, Buffer.from(versions)]));
    return c;
  }

  /** Bytes as given: for frames the protocol does not allow. */
  sendBytes(b: Buffer): void {
    this.sock.write(b);
  }

  send(fields: (string | number)[]): void {
    const body = Buffer.from(fields.map(String).join('\0') + '\0');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    this.sock.write(Buffer.concat([len, body]));
  }

  async until(pred: (m: string[]) => boolean, timeoutMs = 2000): Promise<string[]> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find(pred);
      if (m !== undefined) return m;
      if (this.closed || Date.now() > end) throw new Error(`no such message; got ${JSON.stringify(this.messages)}${this.closed ? ' (closed)' : ''}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
  }

  async waitClosed(timeoutMs = 2000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    return this.closed;
  }

  close(): void {
    this.sock.destroy();
  }
}
