import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { findRunProcesses, repoRoot, waitFor } from "../src/index.ts";

interface NestedRun {
  child: ChildProcess;
  runId: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs the fixture in its own mocha, exactly as the test command runs suites. */
function nestedRun(env: Record<string, string> = {}): NestedRun {
  const runId = `nested-${process.pid}-${Date.now()}`;
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, "node_modules/mocha/bin/mocha.js"),
      "--reporter",
      join(repoRoot, "test/reporter/summary-reporter.cjs"),
      "--require",
      join(repoRoot, "libs/testing/src/mocha-hooks.ts"),
      "--timeout",
      "60000",
      join(repoRoot, "libs/testing/test/fixtures/failing-run.fixture.ts"),
    ],
    { env: { ...process.env, EVK_TEST_RUN_ID: runId, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, runId, output: () => out, exited };
}

describe("smoke: the harness leaves no process behind", function () {
  this.timeout(60_000);

  it("after a run with a failing test: non-zero exit, process logs printed, nothing left running", async () => {
    const run = nestedRun();
    const code = await run.exited;
    const out = run.output();
    assert.notEqual(code, 0);
    assert.match(out, /FIXTURE_STARTED/);
    assert.match(out, /^0 passed, 1 failed, 0 skipped$/m);
    assert.match(out, /last \d+ lines of etcd log/, "the failing test printed the etcd log");
    assert.match(out, /last \d+ lines of nats-server log/, "the failing test printed the nats-server log");
    assert.deepEqual(findRunProcesses(run.runId), []);
  });

  for (const signal of ["SIGINT", "SIGKILL"] as const) {
    it(`after the runner gets ${signal} mid-test: nothing left running`, async () => {
      const run = nestedRun({ FIXTURE_HANG: "1" });
      await waitFor(
        "the fixture to start etcd and nats-server",
        async () => run.output().includes("FIXTURE_STARTED"),
        30_000,
      );
      assert.equal(findRunProcesses(run.runId).length >= 2, true, "etcd and nats-server are running");
      run.child.kill(signal);
      await run.exited;
      // SIGINT: the runner's handler kills each process group. SIGKILL: nothing in the runner can react,
      // so the kernel's parent-death signal (setpriv --pdeathsig) ends the children.
      await waitFor(
        "every process of the nested run to be gone",
        async () => findRunProcesses(run.runId).length === 0,
        10_000,
      );
    });
  }
});
