import assert from "node:assert/strict";
import { backoffDelay, TokenBucket } from "../src/backoff.ts";

describe("backoff with jitter", () => {
  const cases: [attempt: number, random: number, want: number][] = [
    [1, 1, 100],
    [1, 0, 50],
    [2, 1, 200],
    [3, 0.5, 300],
    [5, 1, 1000], // 1600 capped at max
    [30, 0, 500],
  ];
  for (const [attempt, random, want] of cases) {
    it(`attempt ${attempt}, random ${random}: ${want} ms`, () => {
      assert.equal(
        backoffDelay(attempt, 100, 1000, () => random),
        want,
      );
    });
  }
});

describe("token bucket", () => {
  it("lets a burst through at once, then paces at qps", async () => {
    let now = 0;
    const b = new TokenBucket(10, 3, () => now);
    for (let i = 0; i < 3; i++) await b.take();
    let done = false;
    const p = b.take().then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done, false, "the fourth request waits for a token");
    now += 100; // one token at 10 qps
    await p;
    assert.equal(done, true);
  });

  it("refuses nonsense settings", () => {
    assert.throws(() => new TokenBucket(0, 1), /qps must be > 0/);
    assert.throws(() => new TokenBucket(1, 0), /burst >= 1/);
  });
});
