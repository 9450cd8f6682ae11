// Root hooks for every mocha run (scripts/test.sh passes --require): print the logs of the real
// processes when a test fails, and stop every process the harness started when the run ends.
import { liveProcesses, stopAllProcesses } from "./managed-process.ts";

export const mochaHooks = {
  afterEach(this: Mocha.Context) {
    if (this.currentTest?.state !== "failed") return;
    for (const p of liveProcesses()) process.stdout.write(`\n${p.logTail(40)}\n`);
  },
  async afterAll() {
    await stopAllProcesses();
  },
};
