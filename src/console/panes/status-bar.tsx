/**
 * The top line(s): mode, venue and account, equity, day P&L, connection, kill level, trading, clock.
 * Built as segments whose widths add up to exactly the terminal width (a line that wraps would push
 * the whole screen down); the venue / strategy part gives way first. "N dropped" (live market events
 * that did not advance, dropped before the strategy) appears only once one was. The session id
 * ("id k3f9x2", what `parity ctl --session` takes) gives way before anything else, before the venue /
 * strategy text is cut at all. The venue's dead-man switch ("DMS 57s", from the execution client
 * through the snapshot) sits beside the connection: at 80 columns "DMS none" / "DMS off" give way
 * (step 3 below) before any figure shortens; a countdown, "fail" and "FIRED" never go.
 */
import { Box, Text } from 'ink';
import { KILL_LEVEL_NAMES } from '../../ops/kill-state.ts';
import { age, clock, fit, fitNumber, money } from '../format.ts';
import type { ConsoleSnapshot } from '../model.ts';
import { type Tone, useTone } from '../theme.tsx';

interface Seg { readonly text: string; readonly tone?: Tone | null; readonly bold?: boolean; readonly inverse?: boolean; readonly flex?: boolean }

/**
 * How far the bar is squeezed to fit (the 80x24 rule; README "80x24"). Each step gives way in this
 * order, and a number is never cut: 1 "N dropped" → "N drop", 2 the heartbeat age goes, 3 "DMS none"
 * / "DMS off" go (nothing to act on), 4 equity in k / M, 5 day P&L in k / M, 6 the kill level's name
 * goes (L3 stays), 7 LIVE's banner shortens (LIVE stays), 8 the clock shows the time only. The venue
 * / strategy text gives way before all of them. Last, 9: "connected" reads "conn" (a live venue's
 * worst case: a failing dead-man switch beside thousands dropped and figures in M).
 */
export const SQUEEZE_STEPS = 9;

export function statusSegments(snap: ConsoleSnapshot, squeeze = 0): { mode: Seg; who: Seg; session: Seg | null; money: Seg[]; state: Seg[]; clock: Seg } {
  const m = snap.info.mode;
  const mode: Seg = { text: m === 'live' ? (squeeze >= 7 ? ' ■ LIVE ■ ' : ' ■ LIVE — REAL MONEY ■ ') : m === 'paper' ? ' PAPER ' : ' REPLAY ', tone: m === 'live' ? 'live' : 'accent', bold: true, inverse: true };
  const c = snap.connection;
  const connText = c.state === 'in-process' ? 'in-process' : `${c.state === 'connected' && squeeze >= 9 ? 'conn' : c.state}${c.heartbeatAgeMs !== null && squeeze < 2 ? ` ${age(c.heartbeatAgeMs)}` : ''}`;
  const connTone: Tone = c.state === 'in-process' || c.state === 'connected' ? (c.heartbeatAgeMs !== null && c.heartbeatAgeMs > 10_000 ? 'warn' : 'good') : 'bad';
  const kl = snap.ops.killLevel;
  const t = snap.trading.status;
  const r = snap.replay;
  return {
    mode,
    who: { text: `${snap.info.venue}:${snap.info.account} ${snap.info.strategy}`, flex: true },
    // What `parity ctl --session` (and `parity replay`) take. The lowest priority: it gives way first.
    session: snap.info.id !== undefined && snap.info.id !== '' ? { text: `id ${snap.info.id}`, tone: 'dim' } : null,
    money: [
      { text: `eq ${squeeze >= 4 ? fitNumber(snap.equity, 'money', 6) : money(snap.equity)}` },
      { text: `day ${squeeze >= 5 ? fitNumber(snap.dayPnl, 'pnl', 6) : money(snap.dayPnl, true)}`, tone: snap.dayPnl < 0 ? 'bad' : snap.dayPnl > 0 ? 'good' : null },
    ],
    state: [
      // A replay has no venue and no kill switch: those segments give their room to the cursor.
      ...(r !== undefined ? [] : [
        { text: connText, tone: connTone },
        // Only when it happened: the venue / strategy part gives way to it first.
        ...((snap.droppedMarketEvents ?? 0) > 0 ? [{ text: `${snap.droppedMarketEvents} ${squeeze >= 1 ? 'drop' : 'dropped'}`, tone: 'warn' } satisfies Seg] : []),
        ...deadManSegment(snap, squeeze),
        killSegment(snap, squeeze),
      ] satisfies Seg[]),
      { text: snap.running ? t.toUpperCase() : 'STOPPED', tone: !snap.running ? 'dim' : t === 'active' ? 'good' : t === 'paused' ? 'warn' : 'bad', bold: true },
    ],
    clock: r === undefined ? { text: squeeze >= 8 && snap.engineTime !== null ? `${clock(snap.engineTime).slice(11)}` : clock(snap.engineTime), tone: 'dim' }
      : { text: `${r.playing ? '▶' : '❚❚'} ${r.speed} n:${r.seekKind} │ event ${r.cursor + 1}/${r.total} │ ${snap.engineTime === null ? '-' : new Date(snap.engineTime).toISOString().replace('T', ' ').slice(0, 19)}Z`, tone: 'accent' },
  };
}

/**
 * What holds trading, when it is not the operator's kill switch: the engine's loss limit or a
 * strategy error latches the kill switch at L1, which alone would read "KILL L1 paused", like an
 * operator pause. The trading holds (risk/trading-holds.ts) say what it is.
 */
export function engineHoldLabel(snap: ConsoleSnapshot): string | null {
  const kl = snap.ops.killLevel;
  if (kl > 1) return null; // the operator's L2-L4 says more than the engine's reason
  const engine = snap.ops.holds.find((h) => h.key === 'engine');
  const latched = kl === 1 && snap.ops.killReason.startsWith('engine ');
  if (engine === undefined && !latched) return null;
  const why = engine?.reason ?? snap.ops.killReason;
  if (/daily loss/i.test(why)) return 'HALT loss limit';
  if (/strategy (error|threw)/i.test(why)) return 'PAUSED strategy error';
  return engine?.status === 'halted' ? 'HALT engine' : 'PAUSED by engine';
}

/**
 * The venue's dead-man switch: the seconds until it cancels our orders unless refreshed (the venue's
 * expiry against this frame's wall time), "fail" (refreshes failing) in the warning tone while refreshes fail,
 * "FIRED" in the error tone once it cancelled. None where the snapshot has no venue (a replay).
 */
function deadManSegment(snap: ConsoleSnapshot, squeeze: number): Seg[] {
  const d = snap.deadMan;
  if (d === undefined) return [];
  const left = d !== null && d.expiresAt !== null ? `${Math.max(0, Math.ceil((d.expiresAt - snap.wallTime) / 1000))}s` : null;
  if (d === null || d.state === 'unsupported' || d.state === 'off') return squeeze >= 3 ? [] : [{ text: d === null || d.state === 'unsupported' ? 'DMS none' : 'DMS off', tone: 'dim' }];
  if (d.state === 'armed') return [{ text: `DMS ${left ?? 'on'}`, tone: 'good' }];
  if (d.state === 'failing') return [{ text: `DMS fail${left !== null ? ` ${left}` : ''}`, tone: 'warn', bold: true }];
  return [{ text: 'DMS FIRED', tone: 'bad', bold: true }];
}

function killSegment(snap: ConsoleSnapshot, squeeze: number): Seg {
  const kl = snap.ops.killLevel;
  const hold = engineHoldLabel(snap);
  if (hold !== null) return { text: hold, tone: 'bad', bold: true, inverse: true };
  return { text: kl === 0 ? 'kill off' : `KILL ${squeeze >= 6 ? `L${kl}` : KILL_LEVEL_NAMES[kl]}`, tone: kl > 0 ? 'bad' : 'dim', bold: true, inverse: kl > 0 };
}

const SEP: Seg = { text: ' │ ', tone: 'dim' };

/** Lay segments out in exactly `width` columns: the flex segment is cut or padded to fit. */
function fitLine(segs: readonly Seg[], width: number): Seg[] {
  const fixed = segs.filter((s) => !s.flex).reduce((a, s) => a + s.text.length, 0);
  const room = width - fixed;
  const out: Seg[] = [];
  for (const s of segs) {
    if (!s.flex) { out.push(s); continue; }
    out.push({ ...s, text: fit(s.text, Math.max(0, room)) });
  }
  // Still too wide (very narrow terminal): cut from the right.
  let used = 0;
  return out.map((s) => {
    const t = s.text.slice(0, Math.max(0, width - used));
    used += t.length;
    return { ...s, text: t };
  }).filter((s) => s.text.length > 0);
}

function Line({ segs }: { segs: readonly Seg[] }) {
  const tone = useTone();
  return (
    <Box>
      {segs.map((s, i) => <Text key={i} color={tone(s.tone ?? null)} bold={s.bold} inverse={s.inverse}>{s.text}</Text>)}
    </Box>
  );
}

const join = (segs: readonly Seg[]): Seg[] => segs.flatMap((s, i) => (i === 0 ? [s] : [SEP, s]));

const fixedWidth = (segs: readonly Seg[]): number => segs.filter((x) => !x.flex).reduce((a, x) => a + x.text.length, 0);

/** The status bar's lines at the least squeeze that fits (a line cut from the right is the last resort). */
export function statusLines(snap: ConsoleSnapshot, width: number, compact: boolean): Seg[][] {
  const build = (sq: number, withSession = false): Seg[][] => {
    const s = statusSegments(snap, sq);
    const id: Seg[] = withSession && s.session !== null ? [{ text: ' ' }, s.session] : [];
    // Beside the id, equity and day P&L take one space between them, not two: a column for the strategy name.
    if (!compact) return [[s.mode, s.who, ...id, SEP, s.money[0]!, { text: withSession ? ' ' : '  ' }, s.money[1]!, SEP, ...join(s.state), { text: ' ' }, s.clock]];
    return [[s.mode, { text: ' ' }, s.who, ...id, { text: ' ' }, s.clock], [...join([...s.money, ...s.state]), { text: '', flex: true }]];
  };
  // The session id shows only where everything else fits unsqueezed beside it and the venue /
  // strategy text is whole: the strategy name wins over the id (`parity ctl status` lists ids).
  const whole = build(0, true);
  const minWho = statusSegments(snap).who.text.length;
  if (whole.every((l) => fixedWidth(l) + (l.some((x) => x.flex === true && x.text !== '') ? minWho : 0) <= width)) return whole.map((l) => fitLine(l, width));
  let lines = build(0);
  for (let sq = 1; sq <= SQUEEZE_STEPS && lines.some((l) => fixedWidth(l) > width); sq++) lines = build(sq);
  return lines.map((l) => fitLine(l, width));
}

export function StatusBar({ snap, width, compact }: { snap: ConsoleSnapshot; width: number; compact: boolean }) {
  const lines = statusLines(snap, width, compact);
  if (!compact) return <Line segs={lines[0]!} />;
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((l, i) => <Line key={i} segs={l} />)}
    </Box>
  );
}
