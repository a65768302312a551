/**
 * Named crash points for the crash torture test. A test arms one through the environment:
 *
 *   PARITY_CRASH_AT=after-journal-before-send        crash at the first hit
 *   PARITY_CRASH_AT=after-journal-before-send:3      crash at the third hit
 *
 * When armed, reaching the point kills the process with SIGKILL: no finally blocks, no exit hooks,
 * no flushing, exactly what a power cut or `kill -9` leaves behind. Unarmed, a crash point costs one
 * comparison against a string read once at startup.
 *
 *   after-journal-before-send     the intent is durable, the order has not left (persist.ts beforeSend)
 *   after-accept-before-journal   the venue acknowledged the order, the ack is not journaled (persist.ts onReport)
 *   mid-fill                      a fill arrived, its report is not journaled, nothing is booked (persist.ts onReport)
 *   after-fill-journaled          the fill is journaled with the order's state after it; the strategy,
 *                                 the recording and the console have not seen it (persist.ts onFill)
 *   after-replace-sent            a replace reached the venue and its answer reached the process; the
 *                                 engine has not applied it and the journal still says pending_replace
 *                                 (the recorder's execution wrapper, recording/recorder.ts)
 */
export const CRASH_POINTS = ['after-journal-before-send', 'after-accept-before-journal', 'mid-fill', 'after-fill-journaled', 'after-replace-sent'] as const;
export type CrashPointName = (typeof CRASH_POINTS)[number];

interface Armed { readonly name: string; remaining: number }

function parse(spec: string | undefined): Armed | null {
  if (spec === undefined || spec === '') return null;
  const [name, n] = spec.split(':');
  if (!(CRASH_POINTS as readonly string[]).includes(name ?? '')) {
    throw new Error(`PARITY_CRASH_AT=${spec}: unknown crash point; known: ${CRASH_POINTS.join(', ')} (optionally ":N" for the Nth hit)`);
  }
  const count = n === undefined ? 1 : Number(n);
  if (!Number.isInteger(count) || count < 1) throw new Error(`PARITY_CRASH_AT=${spec}: the hit count must be a whole number >= 1`);
  return { name: name!, remaining: count };
}

let armed: Armed | null = parse(process.env.PARITY_CRASH_AT);

/** Re-read the arming (tests in one process). */
export function armCrashPoint(spec: string | undefined): void {
  armed = parse(spec);
}

export function crashPoint(name: CrashPointName): void {
  if (armed === null || armed.name !== name) return;
  if (--armed.remaining > 0) return;
  process.kill(process.pid, 'SIGKILL');
}
