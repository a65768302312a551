/**
 * `parity ctl` <-> a running console: JSON lines over a unix socket (mode 0600) in a private runtime
 * folder. Unix socket paths are limited to about 107 bytes, so the socket never lives in the session
 * folder; the session folder gets a pointer file (`control.sock.path`) and the runtime folder a
 * registry entry per running console, so `ctl` finds the one console from any working directory and
 * lists them when there are several.
 *
 * The runtime folder is exactly one place: `$PARITY_RUNTIME_DIR` when set, else
 * `$XDG_RUNTIME_DIR/parity`, else `parity-<uid>` in the system temp folder. Another local user who
 * creates that folder first must not be able to answer for the console, so the console (which creates
 * it, 0700) and `ctl` check it before every use: lstat, a real folder (not a symlink), owned by this
 * uid, no group or other bits; the same for the socket, the registry entries and the pointer file. A
 * failed check is refused with the reason and the remedy (`RuntimeDirError`), never answered by
 * trying another folder. When a socket path would pass the unix limit, the socket alone goes to
 * `/tmp/parity-<uid>` (checked the same way); its registry entry stays in the runtime folder, which
 * is the only folder `ctl` reads. Stale entries are removed only when provably ours and stale, and
 * their socket only when it is the entry's own `<id>.sock` in one of our two folders.
 *
 * Protocol, one JSON object per line:
 *   client: {"id":1,"command":"flatten"}
 *   server: {"id":1,"type":"accepted","command":"flatten"}            at once (well within 1 s)
 *   server: {"id":1,"type":"result","ok":true,"message":"...",...}    when the venue confirmed
 */
import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, type Stats, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type CommandBus, type CommandResult, isCommandName } from './commands.ts';
import { ownerAlive } from './lock.ts';

/** sockaddr_un.sun_path is 108 bytes on Linux (104 on macOS) including the NUL. */
export const MAX_SOCKET_PATH = 103;

export const POINTER_FILE = 'control.sock.path';

/** Where a socket goes when the runtime folder's path is too long for one: `<base>/parity-<uid>`. */
export const SHORT_SOCKET_BASE = '/tmp';

export interface RegistryEntry {
  readonly id: string;
  readonly name: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly socket: string;
  readonly sessionDir: string;
  readonly mode: string;
  readonly venue: string;
  readonly strategy: string;
}

/** A runtime folder, socket, registry entry or pointer file failed its check: refuse, say why and what to do. */
export class RuntimeDirError extends Error {
  constructor(readonly reason: string, readonly remedy: string) {
    super(`${reason}. ${remedy}`);
    this.name = 'RuntimeDirError';
  }
}

const currentUid = (): number | null => (typeof process.getuid === 'function' ? process.getuid() : null);
const userTag = (): string => String(currentUid() ?? userInfo().username);
const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const REMEDY_ELSEWHERE = 'or set PARITY_RUNTIME_DIR to a folder of yours with mode 0700';

type Kind = 'folder' | 'socket' | 'file';
const KIND_NAME: Record<Kind, string> = { folder: 'folder', socket: 'unix socket', file: 'regular file' };

function remedyFor(kind: Kind, path: string, problem: 'link' | 'type' | 'owner' | 'mode'): string {
  if (problem === 'mode') {
    return kind === 'folder' ? `Fix: chmod 700 ${path} (or remove it), ${REMEDY_ELSEWHERE}`
      : kind === 'file' ? `Fix: chmod 600 ${path}, or remove it`
        : `Fix: stop the console that made it and remove ${path}`;
  }
  if (problem === 'owner') {
    return `Fix: have its owner or root remove it (rm -r ${path}) and start the console again, ${REMEDY_ELSEWHERE}`;
  }
  return `Fix: remove it (rm ${path}) and start the console again, ${REMEDY_ELSEWHERE}`;
}

/**
 * The check, on lstat (a symlink is never followed): the right kind, owned by this uid, no group or
 * other bits. False when the path does not exist; a RuntimeDirError when it exists and fails.
 */
export function checkPrivate(path: string, kind: Kind, what: string): boolean {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    throw new RuntimeDirError(`cannot check ${what} ${path}: ${(err as Error).message}`, `Fix the path's permissions, ${REMEDY_ELSEWHERE}`);
  }
  if (st.isSymbolicLink()) {
    let target = '?';
    try { target = readlinkSync(path); } catch { /* gone meanwhile */ }
    throw new RuntimeDirError(`${what} ${path} is a symbolic link (to ${target}), not a real ${KIND_NAME[kind]}: something may be redirecting the control socket`, remedyFor(kind, path, 'link'));
  }
  const rightKind = kind === 'folder' ? st.isDirectory() : kind === 'socket' ? st.isSocket() : st.isFile();
  if (!rightKind) throw new RuntimeDirError(`${what} ${path} is not a ${KIND_NAME[kind]}`, remedyFor(kind, path, 'type'));
  const uid = currentUid();
  if (uid !== null && st.uid !== uid) {
    throw new RuntimeDirError(`${what} ${path} belongs to uid ${st.uid}, not to you (uid ${uid}): another local user may have made it to impersonate the console`, remedyFor(kind, path, 'owner'));
  }
  if ((st.mode & 0o077) !== 0) {
    throw new RuntimeDirError(`${what} ${path} has group or other permission bits (mode 0${(st.mode & 0o777).toString(8)}): other users could plant a fake console there or read it`, remedyFor(kind, path, 'mode'));
  }
  return true;
}

/** Create the folder (0700) if it is missing, then check it; a folder that exists is never "repaired". */
function ensurePrivateDir(dir: string, what: string): void {
  if (checkPrivate(dir, 'folder', what)) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // Checked again after creating it: someone may have been quicker.
  if (!checkPrivate(dir, 'folder', what)) throw new RuntimeDirError(`${what} ${dir} vanished right after it was created`, `Start the console again, ${REMEDY_ELSEWHERE}`);
}

/** Write a 0600 file afresh (an old file's mode is never inherited). */
function writePrivateFile(file: string, text: string): void {
  rmSync(file, { force: true });
  writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
}

/** The one folder the registry lives in (see the module comment). */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['PARITY_RUNTIME_DIR'];
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const xdg = env['XDG_RUNTIME_DIR'];
  if (xdg !== undefined && xdg !== '') return join(resolve(xdg), 'parity');
  const tmp = env['TMPDIR'];
  return join(tmp !== undefined && tmp !== '' ? resolve(tmp) : tmpdir(), `parity-${userTag()}`);
}

const shortDir = (shortBase: string): string => join(shortBase, `parity-${userTag()}`);

/**
 * Where this console's socket goes: `dir` holds the registry entry, `socketDir` the socket (the same
 * folder unless its path is too long; an explicit PARITY_RUNTIME_DIR is never replaced).
 */
export function socketPathFor(id: string, env: NodeJS.ProcessEnv = process.env, shortBase: string = SHORT_SOCKET_BASE): { dir: string; socketDir: string; socket: string } {
  if (!SAFE_ID.test(id)) throw new Error(`session id "${id}" cannot name a control socket (letters, digits, . _ - only)`);
  const dir = runtimeDir(env);
  const socket = join(dir, `${id}.sock`);
  if (Buffer.byteLength(socket) <= MAX_SOCKET_PATH) return { dir, socketDir: dir, socket };
  const explicit = env['PARITY_RUNTIME_DIR'];
  if (explicit === undefined || explicit === '') {
    const socketDir = shortDir(shortBase);
    const short = join(socketDir, `${id}.sock`);
    if (Buffer.byteLength(short) <= MAX_SOCKET_PATH) return { dir, socketDir, socket: short };
  }
  throw new Error(`no runtime folder short enough for a unix socket (limit ${MAX_SOCKET_PATH} bytes, ${socket}): set PARITY_RUNTIME_DIR to a short path`);
}

/**
 * Before connecting: the socket's folder and the socket itself pass the check. False when the socket
 * is not there (no console); a RuntimeDirError when something is there that is not provably ours.
 */
export function verifySocket(socket: string): boolean {
  if (!checkPrivate(dirname(socket), 'folder', "the control socket's folder")) return false;
  return checkPrivate(socket, 'socket', 'the control socket');
}

/** The socket a session folder's pointer file names (null: no pointer); the pointer is checked first. */
export function readPointer(sessionDir: string): string | null {
  const file = join(sessionDir, POINTER_FILE);
  if (!checkPrivate(file, 'file', 'the pointer file')) return null;
  return readFileSync(file, 'utf8').trim();
}

function isEntry(v: unknown, file: string): v is RegistryEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return typeof e['id'] === 'string' && SAFE_ID.test(e['id']) && file === `${e['id']}.console.json`
    && typeof e['pid'] === 'number' && typeof e['startedAt'] === 'number' && typeof e['socket'] === 'string'
    && typeof e['name'] === 'string' && typeof e['sessionDir'] === 'string';
}

function readEntries(dir: string): { entry: RegistryEntry; file: string }[] {
  if (!checkPrivate(dir, 'folder', 'the control-socket folder')) return [];
  const out: { entry: RegistryEntry; file: string }[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.console.json')) continue;
    const file = join(dir, f);
    if (!checkPrivate(file, 'file', 'the registry entry')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // half-written: left alone
    }
    if (isEntry(parsed, f)) out.push({ entry: parsed, file });
  }
  return out;
}

/** A dead console's socket, removed only when it is the entry's own `<id>.sock` in one of our folders. */
function removeStaleSocket(entry: RegistryEntry, dir: string, shortBase: string): void {
  const own = [join(dir, `${entry.id}.sock`), join(shortDir(shortBase), `${entry.id}.sock`)];
  if (!own.includes(entry.socket)) return;
  try {
    if (verifySocket(entry.socket)) rmSync(entry.socket, { force: true });
  } catch {
    // not provably ours: left where it is
  }
}

/** Running consoles; entries whose process is gone are removed (with their own socket). */
export function listConsoles(env: NodeJS.ProcessEnv = process.env, shortBase: string = SHORT_SOCKET_BASE): RegistryEntry[] {
  const dir = runtimeDir(env);
  const seen = new Map<string, RegistryEntry>();
  for (const { entry, file } of readEntries(dir)) {
    if (!ownerAlive({ pid: entry.pid, startedAt: entry.startedAt, host: '' })) {
      rmSync(file, { force: true });
      removeStaleSocket(entry, dir, shortBase);
      continue;
    }
    seen.set(entry.id, entry);
  }
  return [...seen.values()].sort((a, b) => a.startedAt - b.startedAt);
}

export interface ControlServer {
  readonly socket: string;
  close(): Promise<void>;
}

/** Listen for `ctl` commands and hand them to the bus. */
export async function startControlServer(
  bus: CommandBus, entry: Omit<RegistryEntry, 'socket'>, env: NodeJS.ProcessEnv = process.env, opts: { readonly shortBase?: string } = {},
): Promise<ControlServer> {
  const { dir, socketDir, socket } = socketPathFor(entry.id, env, opts.shortBase);
  ensurePrivateDir(dir, 'the control-socket folder');
  if (socketDir !== dir) ensurePrivateDir(socketDir, "the control socket's short-path folder");
  // Whatever is left at our socket path is in a folder only we can write: a crashed run's socket.
  rmSync(socket, { force: true });
  const clients = new Set<Socket>();
  const server: Server = createServer((conn) => {
    clients.add(conn);
    conn.setEncoding('utf8');
    let buf = '';
    conn.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line !== '') void handle(conn, line);
      }
    });
    conn.on('error', () => conn.destroy());
    conn.on('close', () => clients.delete(conn));
  });
  const send = (conn: Socket, obj: Record<string, unknown>) => {
    if (!conn.destroyed) conn.write(`${JSON.stringify(obj)}\n`);
  };
  const handle = async (conn: Socket, line: string) => {
    let msg: { id?: unknown; command?: unknown; args?: unknown };
    try { msg = JSON.parse(line) as typeof msg; } catch { send(conn, { type: 'error', ok: false, message: 'not JSON' }); return; }
    const id = msg.id ?? null;
    const command = typeof msg.command === 'string' ? msg.command : '';
    if (!isCommandName(command)) { send(conn, { id, type: 'result', ok: false, command, message: `unknown command "${command}"` }); return; }
    const args = Array.isArray(msg.args) && msg.args.every((a) => typeof a === 'string' && a.length <= 200) ? (msg.args as string[]).slice(0, 4) : [];
    send(conn, { id, type: 'accepted', command });
    const res = await bus.dispatch({ command, by: 'ctl', args });
    send(conn, { id, type: 'result', ...res });
  };
  // Create the socket with no access for others, then set its mode explicitly.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => { server.off('error', reject); resolve(); });
    });
  } finally {
    process.umask(oldMask);
  }
  const regFile = join(dir, `${entry.id}.console.json`);
  const pointer = join(entry.sessionDir, POINTER_FILE);
  try {
    chmodSync(socket, 0o600);
    // Checked again before each write: the folders may have changed since the start.
    if (!verifySocket(socket)) throw new RuntimeDirError(`the control socket ${socket} vanished right after it was created`, `Start the console again, ${REMEDY_ELSEWHERE}`);
    ensurePrivateDir(dir, 'the control-socket folder');
    const full: RegistryEntry = { ...entry, socket };
    writePrivateFile(regFile, `${JSON.stringify(full)}\n`);
    writePrivateFile(pointer, `${socket}\n`);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(socket, { force: true });
    throw err;
  }
  let closed = false;
  return {
    socket,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(regFile, { force: true });
      rmSync(socket, { force: true });
      rmSync(pointer, { force: true });
    },
  };
}

export interface CtlReply {
  readonly accepted: boolean;
  readonly result: (CommandResult & { readonly type: 'result' }) | null;
  readonly error: string | null;
  /** The socket or its folder failed the check (see RuntimeDirError): nothing was sent. */
  readonly refused?: boolean;
}

/**
 * Send one command and wait for its result. `acceptMs`: the console must acknowledge within this
 * (a frozen console is an error, not a hang); `resultMs`: how long to wait for the venue's answer.
 */
export function sendCommand(socket: string, command: string, opts: { acceptMs?: number; resultMs?: number; onAccepted?: () => void; args?: readonly string[] } = {}): Promise<CtlReply> {
  const acceptMs = opts.acceptMs ?? 1000;
  const resultMs = opts.resultMs ?? 30_000;
  // Only a socket of ours, in a folder of ours, is told anything (an impostor's is refused).
  try {
    if (!verifySocket(socket)) return Promise.resolve({ accepted: false, result: null, error: `no console is listening on ${socket}` });
  } catch (err) {
    if (!(err instanceof RuntimeDirError)) throw err;
    return Promise.resolve({ accepted: false, result: null, error: `refusing to use the control socket: ${err.message}`, refused: true });
  }
  return new Promise((resolve) => {
    let accepted = false;
    let done = false;
    let buf = '';
    const conn = createConnection(socket);
    const finish = (r: CtlReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      conn.destroy();
      resolve(r);
    };
    let timer = setTimeout(() => finish({ accepted, result: null, error: `the console did not answer within ${acceptMs} ms (frozen or busy?)` }), acceptMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify({ id: 1, command, ...(opts.args !== undefined && opts.args.length > 0 ? { args: opts.args } : {}) })}\n`));
    conn.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: { type?: string } & Record<string, unknown>;
        try { msg = JSON.parse(line) as typeof msg; } catch { continue; }
        if (msg.type === 'accepted') {
          accepted = true;
          opts.onAccepted?.();
          clearTimeout(timer);
          timer = setTimeout(() => finish({ accepted, result: null, error: `no result within ${Math.round(resultMs / 1000)} s` }), resultMs);
        } else if (msg.type === 'result') {
          finish({ accepted: true, result: msg as unknown as CtlReply['result'], error: null });
        }
      }
    });
    conn.on('error', (err: NodeJS.ErrnoException) => finish({ accepted, result: null, error: err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? `no console is listening on ${socket}` : err.message }));
    conn.on('close', () => finish({ accepted, result: null, error: accepted ? 'the console closed the connection before answering (it may be shutting down)' : 'connection closed' }));
  });
}
