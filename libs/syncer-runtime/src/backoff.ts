/**
 * Exponential backoff with jitter: the n-th retry (n >= 1) waits between half and all of
 * min(max, base * 2^(n-1)), so many keys failing together do not retry in lockstep.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * A token bucket: `qps` tokens per second, at most `burst` saved up. take() resolves when a token is
 * available, in call order, so requests toward the host never exceed the configured rate.
 */
export class TokenBucket {
  private readonly qps: number;
  private readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(qps: number, burst: number, now: () => number = () => performance.now()) {
    this.qps = qps;
    this.burst = burst;
    this.now = now;
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`qps must be > 0 and burst >= 1 (got ${qps}, ${burst})`);
    this.tokens = burst;
    this.last = now();
  }

  /** How long a caller arriving now would wait, in ms (0 when a token is ready). */
  private refill(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.qps) / 1000);
    this.last = t;
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.qps;
  }

  take(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (let wait = this.refill(); wait > 0; wait = this.refill()) {
        await new Promise((r) => setTimeout(r, Math.ceil(wait)));
      }
      this.tokens -= 1;
    });
    this.queue = turn;
    return turn;
  }
}
