import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { makeTempDir, ProcessStartError, repoRoot, startEtcd } from "../src/index.ts";

describe("smoke: missing prerequisites and failing binaries end with one clear message", function () {
  this.timeout(60_000);

  it("names Go and how to get it when a part must be built and no go is on PATH", () => {
    const r = spawnSync(process.execPath, [join(repoRoot, "libs/testing/src/provision-main.ts"), "nats"], {
      encoding: "utf8",
      timeout: 30_000,
      // An empty cache forces a build; PATH keeps only the basics, so there is no go.
      env: { ...process.env, EVK_CACHE_DIR: makeTempDir("nocache"), PATH: "/usr/bin:/bin" },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /go not found: install Go .* and put it on PATH/);
    assert.match(r.stderr.trim().split("\n").at(-1) ?? "", /^evk: could not prepare nats-server/);
  });

  it("reports a server that exits at start with its exit and the tail of its log, without waiting for a timeout", async () => {
    const t0 = Date.now();
    await assert.rejects(
      startEtcd({ extraArgs: ["--no-such-flag"] }),
      (e: unknown) =>
        e instanceof ProcessStartError &&
        /etcd exited with code \d+ before it was ready/.test(e.message) &&
        /no-such-flag/.test(e.message),
    );
    assert.ok(Date.now() - t0 < 10_000, "failed fast");
  });
});
