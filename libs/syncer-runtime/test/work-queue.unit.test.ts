import assert from "node:assert/strict";
import { QueueStopped, WorkQueue, type WorkQueueOptions } from "../src/work-queue.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function queue(reconcile: WorkQueueOptions["reconcile"], o: Partial<WorkQueueOptions> = {}) {
  return new WorkQueue({ concurrency: 4, maxRetries: 3, backoffBaseMs: 5, backoffMaxMs: 20, reconcile, ...o });
}

describe("work queue", () => {
  it("dedupes a key added many times while it waits", async () => {
    const runs: string[] = [];
    let release!: () => void;
    const blocker = new Promise<void>((r) => (release = r));
    const q = queue(
      async (k) => {
        runs.push(k);
        if (k === "block") await blocker;
      },
      { concurrency: 1 },
    );
    const first = q.add("block");
    const adds = [q.add("a"), q.add("a"), q.add("a")];
    release();
    await Promise.all([first, ...adds]);
    assert.deepEqual(runs, ["block", "a"]);
  });

  it("never runs one key twice at once, and runs it again when it changed meanwhile", async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const q = queue(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs++;
      await sleep(20);
      running--;
    });
    const a = q.add("k");
    await sleep(5); // running now
    const b = q.add("k");
    const c = q.add("k");
    await Promise.all([a, b, c]);
    assert.equal(maxRunning, 1);
    assert.equal(runs, 2, "one run, then one more for the changes during it");
  });

  it("a waiter added during a run waits for the next run, not the current one", async () => {
    const order: string[] = [];
    let n = 0;
    const q = queue(async () => {
      const me = ++n;
      order.push(`start${me}`);
      await sleep(20);
      order.push(`end${me}`);
    });
    void q.add("k");
    await sleep(5);
    await q.add("k");
    order.push("waiter");
    assert.deepEqual(order, ["start1", "end1", "start2", "end2", "waiter"]);
  });

  it("runs different keys concurrently up to the limit", async () => {
    let running = 0;
    let maxRunning = 0;
    const q = queue(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(10);
        running--;
      },
      { concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 12 }, (_, i) => q.add(`k${i}`)));
    assert.equal(maxRunning, 3);
  });

  it("retries with backoff and resolves the waiter when a retry succeeds", async () => {
    let attempts = 0;
    const retries: number[] = [];
    const q = queue(
      async () => {
        if (++attempts < 3) throw new Error("host unavailable");
      },
      { onRetry: (_k, _e, attempt) => retries.push(attempt) },
    );
    await q.add("k");
    assert.equal(attempts, 3);
    assert.deepEqual(retries, [1, 2]);
  });

  it("gives up after maxRetries, tells onGiveUp once and resolves the waiter", async () => {
    let attempts = 0;
    const gaveUp: [string, string, number][] = [];
    const q = queue(
      async () => {
        attempts++;
        throw new Error("refused");
      },
      { maxRetries: 2, onGiveUp: (k, e, n) => void gaveUp.push([k, e.message, n]) },
    );
    await q.add("k");
    assert.equal(attempts, 3);
    assert.deepEqual(gaveUp, [["k", "refused", 3]]);
  });

  it("requeues after requeueAfterMs", async () => {
    let runs = 0;
    const q = queue(async () => (++runs === 1 ? { requeueAfterMs: 10 } : undefined));
    await q.add("k");
    await sleep(40);
    assert.equal(runs, 2);
  });

  it("stop lets running work finish and rejects what had not started", async () => {
    const finished: string[] = [];
    const q = queue(
      async (k) => {
        await sleep(30);
        finished.push(k);
      },
      { concurrency: 1 },
    );
    const running = q.add("a");
    const waiting = q.add("b");
    await sleep(5);
    await q.stop();
    await running;
    await assert.rejects(waiting, QueueStopped);
    assert.deepEqual(finished, ["a"]);
    await assert.rejects(q.add("c"), QueueStopped);
  });

  it("stop rejects a waiter whose key waits out a backoff", async () => {
    const q = queue(
      async () => {
        throw new Error("fails");
      },
      { backoffBaseMs: 1000, backoffMaxMs: 1000 },
    );
    const w = q.add("k");
    await sleep(20);
    await q.stop();
    await assert.rejects(w, QueueStopped);
  });
});
