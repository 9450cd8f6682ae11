import { readdirSync, readFileSync } from "node:fs";
import { RUN_MARKER } from "./managed-process.ts";

export interface MarkedProcess {
  pid: number;
  cmdline: string;
}

/** Every process on this machine whose environment carries the harness marker of `runId`. */
export function findRunProcesses(runId: string): MarkedProcess[] {
  const needle = `${RUN_MARKER}=${runId}`;
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, "latin1");
      if (!env.split("\0").includes(needle)) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "latin1").replaceAll("\0", " ").trim();
      // A zombie has an empty cmdline: it is dead and only waits to be reaped.
      if (cmdline) found.push({ pid: Number(entry), cmdline });
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}
