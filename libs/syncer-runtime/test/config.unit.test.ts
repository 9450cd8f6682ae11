import assert from "node:assert/strict";
import { parseSyncerConfig } from "../src/config.ts";

const base = ["--cluster", "dev", "--host-namespace", "evk-dev"];

describe("syncer config", () => {
  it("applies defaults", () => {
    const r = parseSyncerConfig(base, { HOME: "/home/u" });
    assert.ok(r);
    assert.equal(r.config.concurrency, 32);
    assert.equal(r.config.hostKubeconfig, "/home/u/.kube/config");
    assert.deepEqual(r.config.metrics, { host: "127.0.0.1", port: 0 });
  });
  it("reads EVK_* variables, and flags win over them", () => {
    const r = parseSyncerConfig([...base, "--host-qps", "7"], { EVK_HOST_QPS: "3", EVK_CONCURRENCY: "4" });
    assert.equal(r?.config.hostQps, 7);
    assert.equal(r?.config.concurrency, 4);
  });
  it("a syncer's own flags come back in extra", () => {
    const r = parseSyncerConfig(
      [...base, "--policy", "restricted"],
      {},
      { policy: { type: "string", default: "baseline" } },
    );
    assert.equal(r?.extra.policy, "restricted");
    assert.equal(
      parseSyncerConfig(base, {}, { policy: { type: "string", default: "baseline" } })?.extra.policy,
      "baseline",
    );
  });
  const bad: [string[], RegExp][] = [
    [["--host-namespace", "x"], /--cluster is required/],
    [["--cluster", "x"], /--host-namespace is required/],
    [[...base, "--concurrency", "0"], /--concurrency must be a number >= 1/],
    [[...base, "--metrics-addr", "nope"], /--metrics-addr must be <host>:<port>/],
    [[...base, "--backoff-base-ms", "500", "--backoff-max-ms", "100"], /--backoff-max-ms must be >= --backoff-base-ms/],
    [[...base, "--bogus"], /Unknown option '--bogus'/],
  ];
  for (const [args, want] of bad) {
    it(`refuses ${args.slice(-2).join(" ")}`, () => assert.throws(() => parseSyncerConfig(args, {}), want));
  }
});
