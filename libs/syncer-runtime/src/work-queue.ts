import { backoffDelay } from "./backoff.ts";

export interface ReconcileResult {
  /** Look at the key again after this long even though nothing changed (e.g. waiting for the host). */
  requeueAfterMs?: number;
}

export interface WorkQueueOptions {
  /** Keys reconciled at once; one key is never reconciled by two workers. */
  concurrency: number;
  /** Failed attempts after which the queue gives up on a key until something changes it again. */
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  reconcile: (key: string) => Promise<ReconcileResult | undefined>;
  /** Called once when a key has failed maxRetries + 1 times in a row. */
  onGiveUp?: (key: string, err: Error, attempts: number) => Promise<void> | void;
  /** Called after each failed attempt that will be retried. */
  onRetry?: (key: string, err: Error, attempt: number, delayMs: number) => void;
  /** Called after each attempt, with its duration and outcome. */
  onDone?: (key: string, ms: number, outcome: "ok" | "error") => void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

interface KeyState {
  queued: boolean;
  running: boolean;
  /** Changed while running: run again afterwards. */
  dirty: boolean;
  /** Waiting for the run that is queued (or the first run after the current one). */
  waiters: Waiter[];
  /** Waiting for the current run (or its retries) to succeed or give up. */
  inRun: Waiter[];
  attempts: number;
  retryTimer?: ReturnType<typeof setTimeout>;
}

export class QueueStopped extends Error {
  constructor() {
    super("work queue stopped");
  }
}

/**
 * The per-key work queue of a syncer, like client-go's workqueue with controller-runtime's reconcile
 * loop on top: adding a key that is already waiting does nothing more (dedupe); a key that changes while
 * it is being reconciled runs once more afterwards; failures retry with exponential backoff and jitter up
 * to maxRetries. add() returns a promise that settles once a reconcile that started after the add has
 * finished (succeeded, or given up on) — what a consumer waits for before it acknowledges a change.
 */
export class WorkQueue {
  private readonly o: WorkQueueOptions;
  private readonly states = new Map<string, KeyState>();
  private readonly ready: string[] = [];
  private running = 0;
  private stopped = false;
  private idle: (() => void) | undefined;

  constructor(o: WorkQueueOptions) {
    this.o = o;
  }

  /** Keys waiting to run (not counting those running or waiting out a backoff). */
  get depth(): number {
    return this.ready.length;
  }

  get active(): number {
    return this.running;
  }

  /** Schedules a reconcile of key; resolves when one that started after this call has finished. */
  add(key: string): Promise<void> {
    if (this.stopped) return Promise.reject(new QueueStopped());
    const s = this.state(key);
    const done = new Promise<void>((resolve, reject) => s.waiters.push({ resolve, reject }));
    done.catch(() => {}); // callers that do not wait must not see an unhandled rejection
    if (s.running) s.dirty = true;
    else this.enqueue(key, s);
    return done;
  }

  /** Schedules a reconcile of key after ms, unless something adds it sooner. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const s = this.state(key);
    if (s.retryTimer || s.queued) return;
    s.retryTimer = setTimeout(() => {
      s.retryTimer = undefined;
      if (this.stopped) return;
      if (s.running) s.dirty = true;
      else this.enqueue(key, s);
    }, ms);
  }

  /**
   * Stops taking work: runs in progress finish (their waiters settle as usual); everything queued or
   * waiting out a backoff is dropped and its waiters are rejected, so nothing unfinished is acknowledged.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.ready.length = 0;
    for (const s of this.states.values()) {
      clearTimeout(s.retryTimer);
      s.retryTimer = undefined;
      if (!s.running) {
        for (const w of [...s.waiters, ...s.inRun]) w.reject(new QueueStopped());
        s.waiters = [];
        s.inRun = [];
      }
    }
    if (this.running > 0) await new Promise<void>((r) => (this.idle = r));
  }

  private state(key: string): KeyState {
    let s = this.states.get(key);
    if (!s) {
      s = { queued: false, running: false, dirty: false, waiters: [], inRun: [], attempts: 0 };
      this.states.set(key, s);
    }
    return s;
  }

  private enqueue(key: string, s: KeyState): void {
    if (s.queued) return;
    clearTimeout(s.retryTimer);
    s.retryTimer = undefined;
    s.queued = true;
    this.ready.push(key);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.o.concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      const s = this.state(key);
      s.queued = false;
      s.running = true;
      s.inRun.push(...s.waiters);
      s.waiters = [];
      this.running++;
      void this.runOnce(key, s);
    }
  }

  private async runOnce(key: string, s: KeyState): Promise<void> {
    const t0 = performance.now();
    let requeueAfter: number | undefined;
    let failure: Error | undefined;
    try {
      requeueAfter = (await this.o.reconcile(key))?.requeueAfterMs;
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    this.o.onDone?.(key, performance.now() - t0, failure ? "error" : "ok");
    let settle = true;
    if (failure) {
      s.attempts++;
      if (s.attempts > this.o.maxRetries) {
        const attempts = s.attempts;
        s.attempts = 0;
        try {
          await this.o.onGiveUp?.(key, failure, attempts);
        } catch {
          // Recording the failure is best effort; the key is retried when it changes again.
        }
      } else if (!this.stopped) {
        const delay = backoffDelay(s.attempts, this.o.backoffBaseMs, this.o.backoffMaxMs);
        this.o.onRetry?.(key, failure, s.attempts, delay);
        settle = false; // the waiters wait for the retry
        s.retryTimer = setTimeout(() => {
          s.retryTimer = undefined;
          if (!this.stopped) {
            // Waiters of this run stay with it: the retry is the same piece of work.
            s.waiters.unshift(...s.inRun);
            s.inRun = [];
            this.enqueue(key, s);
          }
        }, delay);
      }
    } else {
      s.attempts = 0;
    }
    if (settle) {
      for (const w of s.inRun) w.resolve();
      s.inRun = [];
    } else if (this.stopped) {
      for (const w of s.inRun) w.reject(new QueueStopped());
      s.inRun = [];
    }
    s.running = false;
    this.running--;
    if (this.stopped) {
      for (const w of s.waiters) w.reject(new QueueStopped());
      s.waiters = [];
      if (this.running === 0) this.idle?.();
      return;
    }
    if (s.dirty) {
      s.dirty = false;
      this.enqueue(key, s);
    } else if (requeueAfter !== undefined && !failure) this.addAfter(key, requeueAfter);
    if (!s.running && !s.queued && !s.retryTimer && s.waiters.length === 0 && s.inRun.length === 0 && s.attempts === 0)
      this.states.delete(key);
    this.pump();
  }
}
