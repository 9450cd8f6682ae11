// The Retry-After a rejected request is told, as kube-apiserver 1.35 computes it per priority level (apiserver
// pkg/util/flowcontrol dropped_requests_tracker.go): it starts at 1 s, doubles (up to 32 s) while the level
// keeps dropping at least three requests per second of the current value, and falls back by one second at a
// time once drops slow down. Counted per whole second of the clock given.

const MAX_RETRY_AFTER = 32;

class LevelStats {
  private history: { unix: number; requests: number }[] = [];
  private currentUnix = 0;
  private currentCount = 0;
  retryAfter = 1;
  private retryAfterUpdateUnix = 0;

  record(unix: number): void {
    if (this.currentUnix === unix) {
      this.currentCount++;
      return;
    }
    this.updateHistory(this.currentUnix, this.currentCount);
    this.currentUnix = unix;
    this.currentCount = 1;
    this.updateRetryAfter(unix);
  }

  private updateHistory(unix: number, count: number): void {
    this.history.push({ unix, requests: count });
    const maxHistory = Math.min(2 * this.retryAfter, MAX_RETRY_AFTER);
    let start = 0;
    while (start < this.history.length && unix - (this.history[start] as { unix: number }).unix > maxHistory) start++;
    if (start > 0) this.history = this.history.slice(start);
  }

  private updateRetryAfter(unix: number): void {
    let dropped = 0;
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i] as { unix: number; requests: number };
      if (unix - h.unix > this.retryAfter) break;
      if (h.unix < unix) dropped += h.requests;
    }
    if (unix - this.retryAfterUpdateUnix >= this.retryAfter && dropped >= 3 * this.retryAfter) {
      this.retryAfter = Math.min(this.retryAfter * 2, MAX_RETRY_AFTER);
      this.retryAfterUpdateUnix = unix;
      return;
    }
    if (dropped < this.retryAfter && this.retryAfter > 1) this.retryAfter--;
  }
}

export class DroppedRequestsTracker {
  private readonly now: () => number;
  private readonly levels = new Map<string, LevelStats>();

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  recordDropped(level: string): void {
    let s = this.levels.get(level);
    if (!s) {
      s = new LevelStats();
      this.levels.set(level, s);
    }
    s.record(Math.floor(this.now() / 1000));
  }

  retryAfter(level: string): number {
    return this.levels.get(level)?.retryAfter ?? 1;
  }
}
