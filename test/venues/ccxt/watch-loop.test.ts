import { describe, expect, it } from 'vitest';
import { ManualScheduler } from '../../../src/ports/scheduler.ts';
import { watchLoop, type Ack } from '../../../src/venues/ccxt/watch-loop.ts';

/** A watch the test settles by hand, and acknowledgements it gives when it likes. */
function rig() {
  const s = new ManualScheduler(0);
  const events: string[] = [];
  const watches: { resolve: (x: number) => void; reject: (e: Error) => void }[] = [];
  const acks: { give: () => void; cancelled: boolean }[] = [];
  let closed = false;
  void watchLoop<number>({
    name: 'orders', scheduler: s, closed: () => closed, backoff: { initialMs: 100, maxMs: 1000, random: () => 0 },
    watch: () => new Promise<number>((resolve, reject) => { watches.push({ resolve, reject }); }),
    apply: (x) => events.push(`frame ${x}`),
    gap: async () => { events.push('gap'); },
    down: (_n, _e, attempt) => events.push(`down ${attempt}`),
    up: () => events.push('up'),
    subscribed: (): Ack => {
      let give = (): void => undefined;
      const a = { give: () => give(), cancelled: false };
      acks.push(a);
      return { acked: new Promise<void>((r) => { give = r; }), cancel: () => { a.cancelled = true; } };
    },
  });
  const flush = async (): Promise<void> => { for (let i = 0; i < 10; i++) await Promise.resolve(); };
  return { s, events, watches, acks, flush, close: () => { closed = true; } };
}

describe('watch loop: up again on the venue\'s acknowledgement', () => {
  it('a resubscribed stream is up once the venue acknowledges it, with no frame; the backoff starts over', async () => {
    const r = rig();
    await r.flush();
    r.watches[0]!.reject(new Error('closed'));
    await r.flush();
    await r.s.advance(50);
    expect(r.events).toEqual(['down 0', 'gap']);
    r.acks[0]!.give();
    await r.flush();
    expect(r.events).toEqual(['down 0', 'gap', 'up']);
    // Dropped again: the first delay again (the socket worked), not a doubled one.
    r.watches[1]!.reject(new Error('closed'));
    await r.flush();
    expect(r.events.at(-1)).toBe('down 0');
    r.close();
  });

  it('an acknowledgement that comes after the subscription failed again says nothing, and is no longer listened for', async () => {
    const r = rig();
    await r.flush();
    r.watches[0]!.reject(new Error('closed'));
    await r.flush();
    await r.s.advance(50);
    r.watches[1]!.reject(new Error('closed again'));
    await r.flush();
    expect(r.acks[0]!.cancelled).toBe(true);
    r.acks[0]!.give();
    await r.flush();
    expect(r.events).not.toContain('up');
    expect(r.events).toEqual(['down 0', 'gap', 'down 1']);
    r.close();
  });

  it('an acknowledgement of the channel while backing off (another stream on it resubscribed first) counts once our own watch is sent, not before', async () => {
    const r = rig();
    await r.flush();
    r.watches[0]!.reject(new Error('closed'));
    await r.flush();
    r.acks[0]!.give();
    await r.flush();
    expect(r.events).toEqual(['down 0']);
    expect(r.watches).toHaveLength(1);
    await r.s.advance(50);
    expect(r.watches).toHaveLength(2);
    expect(r.events).toContain('up');
    r.close();
  });
});
