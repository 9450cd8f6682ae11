// `node leak-check-main.ts <run id>`: prints and SIGKILLs every process that still carries the harness
// marker of that test run. The test command runs it after mocha, so a leak fails the run.
import { findRunProcesses } from "./leaks.ts";

const runId = process.argv[2];
if (!runId) {
  process.stderr.write("usage: leak-check-main.ts <EVK_TEST_RUN_ID>\n");
  process.exit(2);
}
for (const p of findRunProcesses(runId)) {
  process.stdout.write(`  pid ${p.pid}: ${p.cmdline.slice(0, 200)}\n`);
  try {
    process.kill(p.pid, "SIGKILL");
  } catch {
    // gone already
  }
}
