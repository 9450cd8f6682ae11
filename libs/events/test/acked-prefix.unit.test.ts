import assert from "node:assert/strict";
import { AckedPrefix } from "../src/acked-prefix.ts";

describe("acknowledged prefix (what the relay may checkpoint)", () => {
  it("advances only over a contiguous acknowledged prefix, whatever order acks arrive in", () => {
    const p = new AckedPrefix(10);
    const [a, b, c] = [p.submit(11), p.submit(12), p.submit(13)];
    assert.equal(p.checkpointable(), 10);
    (c as { acked: boolean }).acked = true;
    assert.equal(p.checkpointable(), 10, "13 acked but 11 and 12 are not");
    (a as { acked: boolean }).acked = true;
    assert.equal(p.checkpointable(), 11);
    (b as { acked: boolean }).acked = true;
    assert.equal(p.checkpointable(), 13);
  });

  it("never checkpoints half of a revision", () => {
    const p = new AckedPrefix(0);
    const x = p.submit(5);
    const y = p.submit(5);
    x.acked = true;
    assert.equal(p.checkpointable(), 0);
    y.acked = true;
    assert.equal(p.checkpointable(), 5);
  });

  it("counts skipped changes as done", () => {
    const p = new AckedPrefix(0);
    p.skip(1);
    const s = p.submit(2);
    p.skip(3);
    assert.equal(p.checkpointable(), 1);
    s.acked = true;
    assert.equal(p.checkpointable(), 3);
  });

  it("refuses changes out of revision order", () => {
    const p = new AckedPrefix(10);
    p.submit(12);
    assert.throws(() => p.submit(11), /out of order/);
    assert.throws(() => new AckedPrefix(10).submit(9), /out of order/);
  });

  it("keeps working over many revisions (its queue is compacted)", () => {
    const p = new AckedPrefix(0);
    const subs = Array.from({ length: 5000 }, (_, i) => p.submit(i + 1));
    for (let i = subs.length - 1; i >= 0; i--) (subs[i] as { acked: boolean }).acked = true;
    assert.equal(p.checkpointable(), 5000);
    const more = p.submit(5001);
    more.acked = true;
    assert.equal(p.checkpointable(), 5001);
  });
});
