// One priority level's fair queuing, as kube-apiserver 1.35's queueset does it (apiserver pkg/util/flowcontrol/
// fairqueuing/queueset): a request is shuffle-sharded by its flow into the shortest of a hand of queues (or,
// at a level without queues, run or rejected at once), queues are served in order of virtual finish time, and
// a request holds its seats while it executes (and its final seats a moment longer). Single-threaded: every
// method runs to completion, so no locks.

export interface WorkEstimate {
  initialSeats: number;
  finalSeats: number;
  /** Milliseconds the final seats stay taken after the request finished. */
  additionalLatencyMs: number;
}

export const maxSeatsOf = (w: WorkEstimate) => Math.max(w.initialSeats, w.finalSeats);

export interface QueuingConfig {
  /** > 0: that many queues; 0: no queuing (reject what does not fit); < 0: exempt (never limited). */
  queues: number;
  handSize: number;
  queueLengthLimit: number;
}

/** What a level tells the outside about its requests (metrics; the seat demand integrator). */
export interface QueueSetObserver {
  demand?(seats: number): void;
  waiting?(fsName: string, requests: number, seats: number): void;
  executing?(fsName: string, requests: number, seats: number): void;
  queueLength?(fsName: string, length: number): void;
}

/** Virtual seconds a request is assumed to run for when it is dispatched (queueset's estimatedServiceDuration). */
const ESTIMATED_SERVICE_SECONDS = 0.003;

class Queue {
  readonly waiting: Request[] = [];
  executing = 0;
  seatsInUse = 0;
  nextDispatchR = 0;
  /** The total work and seats of the requests waiting. */
  waitingWork = 0;
  waitingSeats = 0;
}

type Decision = "execute" | "cancel";

export class Request {
  readonly fsName: string;
  readonly work: WorkEstimate;
  /** initial plus final work, in seat-seconds */
  readonly totalWork: number;
  readonly finalWork: number;
  readonly arrivalR: number;
  readonly arrivedAt: number;
  queue: Queue | undefined;
  decision: Decision | undefined;
  startedAt = 0;
  private resolve: ((executed: boolean) => void) | undefined;
  private waiter: Promise<boolean> | undefined;
  finished = false;

  constructor(fsName: string, work: WorkEstimate, arrivalR: number, now: number) {
    this.fsName = fsName;
    this.work = work;
    this.finalWork = work.finalSeats * (work.additionalLatencyMs / 1000);
    this.totalWork = work.initialSeats * ESTIMATED_SERVICE_SECONDS + this.finalWork;
    this.arrivalR = arrivalR;
    this.arrivedAt = now;
  }

  /** Settles once: true when dispatched, false when it gave up waiting. Made only for requests that wait. */
  get decided(): Promise<boolean> {
    if (!this.waiter) {
      this.waiter = this.decision
        ? Promise.resolve(this.decision === "execute")
        : new Promise((r) => {
            this.resolve = r;
          });
    }
    return this.waiter;
  }

  settle(d: Decision): boolean {
    if (this.decision) return false;
    this.decision = d;
    this.resolve?.(d === "execute");
    return true;
  }
}

/** shufflesharding.Dealer.Deal: the hand of `handSize` distinct queues a flow's hash picks out of `deckSize`. */
export function dealHand(hash: bigint, deckSize: number, handSize: number): number[] {
  const remainders: number[] = [];
  let h = hash;
  for (let i = 0; i < handSize; i++) {
    const d = BigInt(deckSize - i);
    const next = h / d;
    remainders.push(Number(h - d * next));
    h = next;
  }
  const hand: number[] = [];
  for (let i = 0; i < handSize; i++) {
    let card = remainders[i] as number;
    for (let j = i; j > 0; j--) if (card >= (remainders[j - 1] as number)) card++;
    hand.push(card);
  }
  return hand;
}

export class QueueSet {
  readonly name: string;
  private readonly now: () => number;
  private readonly observer: QueueSetObserver;
  private config: QueuingConfig;
  private concurrencyLimit = 0;
  private queues: Queue[] = [];
  private currentR = 0;
  private lastRealTime: number;
  private robinIndex = -1;
  private enqueues = 0;
  private totRequestsWaiting = 0;
  private totRequestsExecuting = 0;
  private totSeatsInUse = 0;
  private totSeatsWaiting = 0;
  private readonly perFlowSchema = new Map<
    string,
    { waiting: number; waitingSeats: number; executing: number; seats: number }
  >();
  private readonly hands = new Map<string, number[]>();

  constructor(name: string, config: QueuingConfig, now: () => number, observer: QueueSetObserver = {}) {
    this.name = name;
    this.now = now;
    this.observer = observer;
    this.config = config;
    this.lastRealTime = now();
    this.setConfiguration(config, 0);
  }

  get limit(): number {
    return this.concurrencyLimit;
  }

  get seatsInUse(): number {
    return this.totSeatsInUse;
  }

  get requestsExecuting(): number {
    return this.totRequestsExecuting;
  }

  get requestsWaiting(): number {
    return this.totRequestsWaiting;
  }

  isIdle(): boolean {
    return this.totRequestsWaiting === 0 && this.totRequestsExecuting === 0;
  }

  /** setConfiguration: queues are added (never removed while busy) and the limit applied at once. */
  setConfiguration(config: QueuingConfig, concurrencyLimit: number): void {
    this.syncTime();
    if (config.queues > 0) {
      while (this.queues.length < config.queues) this.queues.push(new Queue());
      if (config.queues !== this.config.queues || config.handSize !== this.config.handSize) this.hands.clear();
      this.config = config;
    } else {
      // A level that stops queuing keeps its old queue settings for what still waits.
      this.config = { ...config, queueLengthLimit: this.config.queueLengthLimit, handSize: this.config.handSize };
    }
    this.concurrencyLimit = concurrencyLimit;
    this.dispatchAsMuchAsPossible();
  }

  /**
   * A new request. Undefined: rejected (no room, or its queue is full). Otherwise `decided` settles when it
   * may execute (or gives up, through cancel()); `finish()` must be called once it executed.
   */
  startRequest(work: WorkEstimate, hash: bigint, flowKey: string, fsName: string): Request | undefined {
    this.syncTime();
    const now = this.now();
    if (this.config.queues < 1) {
      if (!this.canAccommodate(maxSeatsOf(work))) return undefined;
      const req = new Request(fsName, work, this.currentR, now);
      req.settle("execute");
      req.startedAt = now;
      this.totRequestsExecuting++;
      this.totSeatsInUse += maxSeatsOf(work);
      this.noteExecuting(fsName, 1, maxSeatsOf(work));
      this.noteDemand();
      return req;
    }
    const queue = this.queues[this.shuffleShard(hash, flowKey)] as Queue;
    const req = new Request(fsName, work, this.currentR, now);
    req.queue = queue;
    if (this.totSeatsInUse >= this.concurrencyLimit && queue.waiting.length >= this.config.queueLengthLimit) {
      return undefined;
    }
    if (queue.waiting.length === 0 && queue.executing === 0) queue.nextDispatchR = this.currentR;
    queue.waiting.push(req);
    queue.waitingWork += req.totalWork;
    queue.waitingSeats += maxSeatsOf(work);
    this.totRequestsWaiting++;
    this.totSeatsWaiting += maxSeatsOf(work);
    this.noteWaiting(fsName, 1, maxSeatsOf(work));
    this.observer.queueLength?.(fsName, queue.waiting.length - 1);
    this.noteDemand();
    this.boundNextDispatch(queue);
    this.dispatchAsMuchAsPossible();
    return req;
  }

  /** A waiting request gives up (deadline, client gone). True if it was still waiting. */
  cancel(req: Request): boolean {
    if (!req.settle("cancel")) return false;
    this.syncTime();
    const queue = req.queue;
    if (queue) {
      const i = queue.waiting.indexOf(req);
      if (i >= 0) {
        queue.waiting.splice(i, 1);
        queue.waitingWork -= req.totalWork;
        queue.waitingSeats -= maxSeatsOf(req.work);
        this.totRequestsWaiting--;
        this.totSeatsWaiting -= maxSeatsOf(req.work);
        this.noteWaiting(req.fsName, -1, -maxSeatsOf(req.work));
        this.noteDemand();
        this.boundNextDispatch(queue);
      }
    }
    return true;
  }

  /** The request finished executing: its seats go back (the final ones after its additional latency). */
  finish(req: Request): void {
    if (req.finished || req.decision !== "execute") return;
    req.finished = true;
    this.syncTime();
    const now = this.now();
    this.totRequestsExecuting--;
    const seats = maxSeatsOf(req.work);
    const release = () => {
      this.totSeatsInUse -= seats;
      this.noteExecuting(req.fsName, 0, -seats);
      if (req.queue) req.queue.seatsInUse -= seats;
      this.noteDemand();
    };
    this.noteExecuting(req.fsName, -1, 0);
    const queue = req.queue;
    if (queue) {
      queue.executing--;
      const actual = (now - req.startedAt) / 1000;
      queue.nextDispatchR -= req.work.initialSeats * (ESTIMATED_SERVICE_SECONDS - actual);
      this.boundNextDispatch(queue);
    }
    if (req.work.additionalLatencyMs <= 0) {
      release();
      this.dispatchAsMuchAsPossible();
      return;
    }
    const t = setTimeout(() => {
      this.syncTime();
      release();
      this.dispatchAsMuchAsPossible();
    }, req.work.additionalLatencyMs);
    t.unref();
  }

  private noteExecuting(fsName: string, requests: number, seats: number): void {
    const s = this.flowSchemaStats(fsName);
    s.executing += requests;
    s.seats += seats;
    this.observer.executing?.(fsName, s.executing, s.seats);
  }

  private noteWaiting(fsName: string, requests: number, seats: number): void {
    const s = this.flowSchemaStats(fsName);
    s.waiting += requests;
    s.waitingSeats += seats;
    this.observer.waiting?.(fsName, s.waiting, s.waitingSeats);
  }

  private flowSchemaStats(fsName: string) {
    let s = this.perFlowSchema.get(fsName);
    if (!s) {
      s = { waiting: 0, waitingSeats: 0, executing: 0, seats: 0 };
      this.perFlowSchema.set(fsName, s);
    }
    return s;
  }

  private noteDemand(): void {
    this.observer.demand?.(this.totSeatsInUse + this.totSeatsWaiting);
  }

  /** Virtual time advances at min(seats asked for, limit) / active queues seat-seconds per second. */
  private syncTime(): void {
    const realNow = this.now();
    const elapsed = (realNow - this.lastRealTime) / 1000;
    this.lastRealTime = realNow;
    if (elapsed <= 0) return;
    let active = 0;
    let seatsRequested = 0;
    for (const q of this.queues) {
      seatsRequested += q.seatsInUse + q.waitingSeats;
      if (q.waiting.length > 0 || q.executing > 0) active++;
    }
    if (active === 0) return;
    this.currentR += (Math.min(seatsRequested, this.concurrencyLimit) / active) * elapsed;
  }

  private shuffleShard(hash: bigint, flowKey: string): number {
    let hand = this.hands.get(flowKey);
    if (!hand) {
      hand = dealHand(hash, this.config.queues, Math.min(this.config.handSize, this.config.queues));
      // Flows come and go; the memo only saves the dealing.
      if (this.hands.size > 10_000) this.hands.clear();
      this.hands.set(flowKey, hand);
    }
    const offset = this.enqueues % hand.length;
    this.enqueues++;
    let best = -1;
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < hand.length; i++) {
      const idx = hand[(offset + i) % hand.length] as number;
      const work = (this.queues[idx] as Queue).waitingWork;
      if (work < min) {
        min = work;
        best = idx;
      }
    }
    return best;
  }

  /** A queue never runs ahead of its oldest waiting request's arrival (anti-windup). */
  private boundNextDispatch(queue: Queue): void {
    const oldest = queue.waiting[0];
    if (oldest && queue.nextDispatchR < oldest.arrivalR) queue.nextDispatchR = oldest.arrivalR;
  }

  private canAccommodate(seats: number): boolean {
    if (this.config.queues < 0) return true;
    if (seats > this.concurrencyLimit) return this.totRequestsExecuting === 0;
    return this.totSeatsInUse + seats <= this.concurrencyLimit;
  }

  private dispatchAsMuchAsPossible(): void {
    while (this.totRequestsWaiting !== 0 && this.totSeatsInUse < this.concurrencyLimit && this.dispatchOne()) {}
  }

  private dispatchOne(): boolean {
    let minFinish = Number.POSITIVE_INFINITY;
    let minQueue: Queue | undefined;
    let minIndex = -1;
    const nq = this.queues.length;
    for (let k = 0; k < nq; k++) {
      this.robinIndex = (this.robinIndex + 1) % nq;
      const q = this.queues[this.robinIndex] as Queue;
      const oldest = q.waiting[0];
      if (!oldest) continue;
      const finish = q.nextDispatchR + oldest.totalWork;
      if (finish < minFinish) {
        minFinish = finish;
        minQueue = q;
        minIndex = this.robinIndex;
      }
    }
    const req = minQueue?.waiting[0];
    if (!minQueue || !req) return false;
    if (!this.canAccommodate(maxSeatsOf(req.work))) return false;
    minQueue.waiting.shift();
    minQueue.waitingWork -= req.totalWork;
    minQueue.waitingSeats -= maxSeatsOf(req.work);
    this.robinIndex = minIndex;
    this.totRequestsWaiting--;
    this.totSeatsWaiting -= maxSeatsOf(req.work);
    this.noteWaiting(req.fsName, -1, -maxSeatsOf(req.work));
    this.boundNextDispatch(minQueue);
    if (!req.settle("execute")) {
      this.noteDemand();
      return true;
    }
    req.startedAt = this.now();
    const seats = maxSeatsOf(req.work);
    this.totRequestsExecuting++;
    this.totSeatsInUse += seats;
    minQueue.executing++;
    minQueue.seatsInUse += seats;
    this.noteExecuting(req.fsName, 1, seats);
    this.noteDemand();
    minQueue.nextDispatchR += req.totalWork;
    return true;
  }
}
