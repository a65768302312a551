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
}

export const CONSOLE_MAX_FPS = 10;

export function mountConsole(o: MountOptions): Instance {
  return render(<App source={o.source} mode={o.mode} keys={o.keys} colors={colorsEnabled()} {...(o.size ? { size: o.size } : {})} />, {
    // Ink's standard renderer behind a line differ (see line-diff-stdout.ts for why not Ink's own).
    stdout: new LineDiffStdout(o.stdout ?? process.stdout) as unknown as NodeJS.WriteStream,
    stdin: o.stdin ?? process.stdin,
    exitOnCtrlC: false,
    patchConsole: true,
    maxFps: o.maxFps ?? CONSOLE_MAX_FPS,
    incrementalRendering: false,
  });
}
