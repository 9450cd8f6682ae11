// How the server's seats are divided among priority levels, as kube-apiserver 1.35 does it (apiserver
// pkg/util/flowcontrol apf_controller.go, conc_alloc.go, fairqueuing/integrator.go): nominal limits from
// nominalConcurrencyShares, lendable and borrowable seats, and every 10 s a new current limit per level from
// the seat demand it saw. Pure functions and a clock-driven integrator.

/** kube's default server concurrency: --max-requests-inflight 400 + --max-mutating-requests-inflight 200. */
export const DEFAULT_SERVER_CONCURRENCY = 600;

export interface LevelLimits {
  nominalCL: number;
  /** nominal less what it may lend */
  minCL: number;
  /** nominal plus what it may borrow */
  maxCL: number;
}

export interface LevelShares {
  exempt: boolean;
  shares: number;
  lendablePercent?: number | undefined;
  borrowingLimitPercent?: number | undefined;
}

/** finishQueueSetReconfigsLocked: NominalCL(i) = ceil(ServerCL * NCS(i) / sum NCS), and its bounds. */
export function levelLimits(serverCL: number, level: LevelShares, shareSum: number): LevelLimits {
  const nominalCL = shareSum > 0 ? Math.ceil((serverCL * level.shares) / shareSum) : 0;
  const lendableCL = level.lendablePercent !== undefined ? Math.round((nominalCL * level.lendablePercent) / 100) : 0;
  const borrowingCL =
    level.exempt || level.borrowingLimitPercent === undefined
      ? serverCL
      : Math.round((nominalCL * level.borrowingLimitPercent) / 100);
  return { nominalCL, minCL: nominalCL - lendableCL, maxCL: nominalCL + borrowingCL };
}

/** Go's math.Round: halves away from zero. */
export const goRound = (x: number) => (x < 0 ? -Math.round(-x) : Math.round(x));

/**
 * The most seats one request at a level may be estimated to take: max(1, min(ceil(0.15 * nominalCL),
 * nominalCL / handSize)); levels without queuing have no entry (the estimator's own maximum applies).
 */
export function maxSeatsFor(nominalCL: number, handSize: number | undefined): number | undefined {
  if (handSize === undefined || handSize <= 0) return undefined;
  return Math.max(1, Math.min(Math.ceil(nominalCL * 0.15), Math.trunc(nominalCL / handSize)));
}

export interface AllocItem {
  target: number;
  lowerBound: number;
  upperBound: number;
}

const MIN_TARGET = 0.001;
const EPSILON = 0.0000001;

/**
 * computeConcurrencyAllocation: allocations summing to `requiredSum`, each within its bounds and otherwise
 * proportional to its target by one common factor (returned second).
 */
export function computeConcurrencyAllocation(requiredSum: number, classes: AllocItem[]): [number[], number] {
  if (requiredSum < 0) throw new Error("negative sums are not supported");
  let lowSum = 0;
  let highSum = 0;
  let targetSum = 0;
  const ub = { min: 3.4028234663852886e38, max: Number.NEGATIVE_INFINITY };
  const lb = { min: 3.4028234663852886e38, max: Number.NEGATIVE_INFINITY };
  const rel = classes.map((item, idx) => {
    let target = item.target;
    if (item.lowerBound < 0)
      throw new Error(`lower bound ${idx} is ${item.lowerBound} but negative lower bounds are not allowed`);
    if (target < item.lowerBound)
      throw new Error(`target ${idx} is ${target}, which is below its lower bound of ${item.lowerBound}`);
    if (item.upperBound < item.lowerBound)
      throw new Error(
        `upper bound ${idx} is ${item.upperBound} but should not be less than the lower bound ${item.lowerBound}`,
      );
    if (target < MIN_TARGET) target = MIN_TARGET;
    lowSum += item.lowerBound;
    highSum += item.upperBound;
    targetSum += target;
    const r = { target, lower: item.lowerBound / target, upper: item.upperBound / target };
    ub.min = Math.min(ub.min, r.upper);
    ub.max = Math.max(ub.max, r.upper);
    lb.min = Math.min(lb.min, r.lower);
    lb.max = Math.max(lb.max, r.lower);
    return r;
  });
  if (lb.max > 1) throw new Error(`lbRange.max-1=${lb.max - 1}, which is impossible`);
  if (lowSum - requiredSum > EPSILON)
    throw new Error(`lower bounds sum to ${lowSum}, which is higher than the required sum of ${requiredSum}`);
  if (requiredSum - highSum > EPSILON)
    throw new Error(`upper bounds sum to ${highSum}, which is lower than the required sum of ${requiredSum}`);
  if (requiredSum === 0) return [classes.map(() => 0), 0];
  if (lowSum - requiredSum > -EPSILON) return [classes.map((c) => c.lowerBound), lb.min];
  if (requiredSum - highSum > -EPSILON) return [classes.map((c) => c.upperBound), ub.max];
  let fairProp = requiredSum / targetSum;
  if (lb.max <= fairProp && fairProp <= ub.min) return [rel.map((r) => r.target * fairProp), fairProp];
  // Some bounds matter: walk the bounds in increasing order until the allocations reach the sum.
  const bounds: { value: number; item: number; lower: boolean }[] = [];
  rel.forEach((r, item) => {
    bounds.push({ value: r.lower, item, lower: true }, { value: r.upper, item, lower: false });
  });
  // Go's sort.Sort is not stable; ties between equal bounds do not change the answer.
  bounds.sort((a, b) => a.value - b.value);
  let sumSoFar = lowSum;
  fairProp = lb.min;
  let sensitiveTargetSum = 0;
  let deltaSensitiveTargetSum = 0;
  let numSensitive = 0;
  let deltaSensitive = 0;
  let next = 0;
  while (sumSoFar < requiredSum) {
    let nextBound: number;
    for (;;) {
      sensitiveTargetSum += deltaSensitiveTargetSum;
      numSensitive += deltaSensitive;
      const b = bounds[next];
      if (!b) throw new Error("impossible: ran out of bounds to consider in bound-constrained problem");
      nextBound = b.value;
      const target = (rel[b.item] as { target: number }).target;
      deltaSensitive = b.lower ? 1 : -1;
      deltaSensitiveTargetSum = b.lower ? target : -target;
      next++;
      if (nextBound > fairProp) break;
    }
    if (numSensitive === 0) {
      fairProp = nextBound;
      continue;
    }
    const nextProp = fairProp + (requiredSum - sumSoFar) / sensitiveTargetSum;
    if (nextProp <= nextBound) {
      fairProp = nextProp;
      break;
    }
    sumSoFar += (nextBound - fairProp) * sensitiveTargetSum;
    fairProp = nextBound;
  }
  return [
    classes.map((c, i) =>
      Math.max(c.lowerBound, Math.min(c.upperBound, fairProp * (rel[i] as { target: number }).target)),
    ),
    fairProp,
  ];
}

export interface IntegratorResults {
  duration: number;
  average: number;
  deviation: number;
  min: number;
  max: number;
}

/** fairqueuing's Integrator: time-weighted average, deviation, min and max of a value since the last reset. */
export class Integrator {
  private readonly now: () => number;
  private last: number;
  private x = 0;
  private elapsed = 0;
  private ix = 0;
  private ixx = 0;
  private min = 0;
  private max = 0;

  constructor(now: () => number) {
    this.now = now;
    this.last = now();
  }

  set(x: number): void {
    this.update();
    this.x = x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  private update(): void {
    const t = this.now();
    const dt = (t - this.last) / 1000;
    this.last = t;
    this.elapsed += dt;
    this.ix += this.x * dt;
    this.ixx += this.x * this.x * dt;
  }

  results(): IntegratorResults {
    this.update();
    let average = Number.NaN;
    let deviation = Number.NaN;
    if (this.elapsed > 0) {
      average = this.ix / this.elapsed;
      const variance = this.ixx / this.elapsed - average * average;
      deviation = variance >= 0 ? Math.sqrt(variance) : Number.NaN;
    }
    return { duration: this.elapsed, average, deviation, min: this.min, max: this.max };
  }

  reset(): IntegratorResults {
    const r = this.results();
    this.elapsed = 0;
    this.ix = 0;
    this.ixx = 0;
    this.min = this.x;
    this.max = this.x;
    return r;
  }
}

export interface SeatDemandStats {
  avg: number;
  stdDev: number;
  highWatermark: number;
  smoothed: number;
}

/** Half-life of five minutes at one update per 10 s. */
const SMOOTHING = 0.977;

export function updateDemandStats(stats: SeatDemandStats, obs: IntegratorResults): SeatDemandStats {
  const highWatermark = goRound(obs.max);
  if (obs.duration <= 0) return { ...stats, highWatermark };
  const deviation = Number.isNaN(obs.deviation) ? 0 : obs.deviation;
  const envelope = obs.average + deviation;
  return {
    avg: obs.average,
    stdDev: deviation,
    highWatermark,
    smoothed: Math.max(envelope, SMOOTHING * stats.smoothed + (1 - SMOOTHING) * envelope),
  };
}

export interface BorrowingLevel extends LevelLimits {
  exempt: boolean;
  stats: SeatDemandStats;
  currentCL: number;
}

/**
 * updateBorrowingLocked: each level's new current limit. Exempt levels keep what they used; limited ones
 * share the rest fairly by their smoothed demand, never below what they cannot lend nor above what they may
 * borrow. Returns the limits in the order given.
 */
export function currentLimits(nominalCLSum: number, levels: BorrowingLevel[]): number[] {
  const items: AllocItem[] = [];
  const itemOf = new Map<number, number>();
  let remaining = nominalCLSum;
  let minCLSum = 0;
  let minCurrentCLSum = 0;
  const exemptCL = new Map<number, number>();
  levels.forEach((l, i) => {
    if (l.exempt) {
      const cl = Math.max(l.minCL, l.stats.highWatermark);
      exemptCL.set(i, cl);
      remaining -= cl;
      return;
    }
    const minCurrentCL = Math.max(l.minCL, Math.min(l.nominalCL, l.stats.highWatermark));
    itemOf.set(i, items.length);
    items.push({ lowerBound: minCurrentCL, upperBound: l.maxCL, target: Math.max(minCurrentCL, l.stats.smoothed) });
    minCLSum += l.minCL;
    minCurrentCLSum += minCurrentCL;
  });
  let allocs: number[] | undefined;
  let shareFrac = 0;
  if (remaining > minCLSum && remaining <= minCurrentCLSum)
    shareFrac = (remaining - minCLSum) / (minCurrentCLSum - minCLSum);
  else if (remaining > minCurrentCLSum) {
    try {
      [allocs] = computeConcurrencyAllocation(nominalCLSum, items);
    } catch {
      allocs = levels.filter((l) => !l.exempt).map((l) => l.currentCL);
    }
  }
  return levels.map((l, i) => {
    const e = exemptCL.get(i);
    if (e !== undefined) return e;
    if (remaining <= minCLSum) return l.minCL;
    if (remaining <= minCurrentCLSum) {
      const minCurrentCL = Math.max(l.minCL, Math.min(l.nominalCL, l.stats.highWatermark));
      return l.minCL + goRound((minCurrentCL - l.minCL) * shareFrac);
    }
    return goRound((allocs as number[])[itemOf.get(i) as number] as number);
  });
}
