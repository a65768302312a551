/**
 * `parity replay` on a terminal: the console the session ran with, fed by the replay player.
 * The console gets no command handler (no kill switch, nothing to send) and no gate re-run; the
 * player's keys are offered every keystroke first.
 */
import type { Recording } from '../recording/recording.ts';
import { ReplayPlayer } from './replay-source.ts';
import { parseJump } from './replay-source.ts';

export interface ReplayConsoleOptions {
  readonly at?: string;
}

export async function runReplayConsole(rec: Recording, opts: ReplayConsoleOptions = {}): Promise<void> {
  if (process.stdout.isTTY !== true || process.stdin.isTTY !== true) {
    process.stderr.write('parity replay needs a terminal (use --rerun for a non-interactive check)\n');
    process.exitCode = 2;
    return;
  }
  let start = 0;
  if (opts.at !== undefined) {
    const r = parseJump(opts.at, rec, 0);
    if (typeof r === 'string') process.stderr.write(`warning: --at ${opts.at}: ${r}\n`); else start = r;
  }
  const player = new ReplayPlayer(rec, { start });
  // Same terminal set-up as a live console (see cli/run.ts): a real terminal, React's production build.
  delete process.env['CI'];
  delete process.env['CONTINUOUS_INTEGRATION'];
  process.env['NODE_ENV'] ??= 'production';
  const { mountConsole } = await import('./render.tsx');
  await new Promise<void>((resolve) => {
    const inst = mountConsole({
      source: player,
      mode: 'replay',
      keys: {
        input: (input, key) => player.handleKey(input, key),
        quit: () => { player.dispose(); inst.unmount(); resolve(); },
        quitWarning: () => 'a replay leaves nothing behind',
        // Labels for the help line; the keys themselves reach player.handleKey first.
        extra: [
          { key: 'space', label: 'play/pause', run: () => player.toggle() },
          { key: '←/→', label: 'step', run: () => undefined },
          { key: '[/]', label: 'slower/faster', run: () => undefined },
          { key: 'g', label: 'jump to time', run: () => player.handleKey('g', {}) },
          { key: 'n/N', label: 'next/prev of kind', run: () => undefined },
          { key: 'k', label: 'kind', run: () => player.cycleKind() },
          { key: '0/$', label: 'start/end', run: () => undefined },
        ],
      },
    });
  });
}
