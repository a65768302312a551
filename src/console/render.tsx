/**
 * Mount the console on a terminal. Ink options chosen for SSH: a capped frame rate and incremental
 * rendering (only changed lines are rewritten, by LineDiffStdout), Ctrl-C handled by the app (it asks first).
 */
import { render, type Instance } from 'ink';
import { App, type ConsoleKeys } from './app.tsx';
import type { ConsoleMode, SnapshotSource } from './model.ts';
import { colorsEnabled } from './theme.tsx';
import { LineDiffStdout } from './line-diff-stdout.ts';

export interface MountOptions {
  readonly source: SnapshotSource;
  readonly mode: ConsoleMode;
  readonly keys: ConsoleKeys;
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
  readonly maxFps?: number;
  readonly size?: { readonly columns: number; readonly rows: number };
  /** Route console.log above the frame (default); tests under a runner that owns `console` turn it off. */
  readonly patchConsole?: boolean;
}

export const CONSOLE_MAX_FPS = 10;

/** Bracketed paste (xterm): the terminal wraps pasted text in ESC[200~ ... ESC[201~ (see key-input.ts). */
export const PASTE_ON = '\u001B[?2004h';
export const PASTE_OFF = '\u001B[?2004l';

export function mountConsole(o: MountOptions): Instance {
  const out = o.stdout ?? process.stdout;
  const inst = render(<App source={o.source} mode={o.mode} keys={o.keys} colors={colorsEnabled()} {...(o.size ? { size: o.size } : {})} />, {
    // Ink's standard renderer behind a line differ (see line-diff-stdout.ts for why not Ink's own).
    stdout: new LineDiffStdout(out) as unknown as NodeJS.WriteStream,
    stdin: o.stdin ?? process.stdin,
    exitOnCtrlC: false,
    patchConsole: o.patchConsole ?? true,
    maxFps: o.maxFps ?? CONSOLE_MAX_FPS,
    incrementalRendering: false,
  });
  // Turned on for the console's life, so a paste of "ff" is text, never two presses of f; turned
  // off again however the console ends (unmount, or the process exiting under it), or the shell
  // the operator returns to would see ESC[200~ around every paste.
  let on = true;
  const off = () => {
    if (!on) return;
    on = false;
    process.off('exit', off);
    try { out.write(PASTE_OFF); } catch { /* the terminal is gone */ }
  };
  out.write(PASTE_ON);
  process.on('exit', off);
  const unmount = inst.unmount.bind(inst);
  inst.unmount = (...args: Parameters<Instance['unmount']>) => { unmount(...args); off(); };
  void inst.waitUntilExit().then(off, off);
  return inst;
}
