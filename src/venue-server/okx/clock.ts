/**
 * The venue clock: venue time runs at `scale` venue ms per wall ms from an anchor, and the admin can
 * move it forward at once (a dead-man countdown or a funding time tested without waiting). Scale 0
 * stands the clock still (tests that want exact times); it never runs backwards.
 */
export class VenueClock {
  private anchorVenue: number;
  private anchorWall: number;
  private readonly startWall: number;
  private advanced = 0;

  constructor(start: number, private scale: number, private readonly wall: () => number = Date.now) {
    if (!(scale >= 0) || !Number.isFinite(scale)) throw new Error(`time scale must be a number >= 0, got ${scale}`);
    this.anchorVenue = start;
    this.anchorWall = wall();
    this.startWall = this.anchorWall;
  }

  /**
   * Real milliseconds since the venue started, plus every admin advance: the clock OKX's own
   * timers run on (a cancel-all-after countdown counts real seconds, whatever pace the replayed
   * market keeps), which the admin still moves at once.
   */
  elapsed(): number {
    return this.wall() - this.startWall + this.advanced;
  }

  now(): number {
    return Math.floor(this.anchorVenue + (this.wall() - this.anchorWall) * this.scale);
  }

  get timeScale(): number {
    return this.scale;
  }

  setScale(scale: number): void {
    if (!(scale >= 0) || !Number.isFinite(scale)) throw new Error(`time scale must be a number >= 0, got ${scale}`);
    this.rebase();
    this.scale = scale;
  }

  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new Error(`advance takes a number of ms >= 0, got ${ms}`);
    this.rebase();
    this.anchorVenue += ms;
    this.advanced += ms;
  }

  private rebase(): void {
    const w = this.wall();
    this.anchorVenue = this.anchorVenue + (w - this.anchorWall) * this.scale;
    this.anchorWall = w;
  }
}
