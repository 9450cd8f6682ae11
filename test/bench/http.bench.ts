// npm run bench:http — the HTTP layer's cost: the same handler behind bare node:http and behind express
// as services/apiserver composes it (health routes, then one middleware for the whole API), each in its
// own process, loaded from this process over keep-alive connections. Rounds alternate; target: <= 15 %.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { repoRoot, stopAllProcesses } from "@evk/testing";
import { fmt, printTable } from "./lib.ts";

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const SECONDS = Number(process.env.EVK_BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;

async function serve(mode: string) {
  const child = spawn(process.execPath, [join(repoRoot, "test/bench/http-server.ts"), mode], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout.once("data", (d) => resolve(Number(String(d).trim()))),
  );
  return { port, pid: child.pid as number, stop: () => child.kill() };
}

async function load(port: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const path = "/api/v1/namespaces/default/pods/web-1";
  let done = 0;
  const until = performance.now() + SECONDS * 1000;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, agent }, (res) => {
        res.resume();
        res.on("end", () => resolve());
      });
      req.on("error", reject);
      req.end();
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        await one();
        done++;
      }
    }),
  );
  agent.destroy();
  return done / SECONDS;
}

try {
  const results: Record<string, number[]> = { node: [], express: [] };
  // The load generator may well be what limits req/s on 2 cores; the server's own CPU time per request
  // is the figure that shows the framework's cost either way.
  const cpu: Record<string, number[]> = { node: [], express: [] };
  for (let round = 0; round < 3; round++) {
    for (const mode of ["node", "express"]) {
      const s = await serve(mode);
      await load(s.port); // warm-up isn't counted: JIT and sockets settle first
      const c0 = cpuSeconds(s.pid);
      const rps = await load(s.port);
      results[mode]?.push(rps);
      cpu[mode]?.push(((cpuSeconds(s.pid) - c0) / (rps * SECONDS)) * 1e6);
      s.stop();
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const n = mean(results.node ?? []);
  const e = mean(results.express ?? []);
  printTable("bench:http (same handler, 32 keep-alive connections, alternating rounds)", [
    ["bare node:http req/s", `${fmt(n)}  (rounds: ${(results.node ?? []).map((x) => fmt(x)).join(", ")})`],
    [
      "express as composed by the apiserver req/s",
      `${fmt(e)}  (rounds: ${(results.express ?? []).map((x) => fmt(x)).join(", ")})`,
    ],
    ["throughput overhead", `${fmt((1 - e / n) * 100, 1)} %  (target <= 15 %)`],
    [
      "server CPU per request, node:http / express (µs)",
      `${fmt(mean(cpu.node ?? []), 1)} / ${fmt(mean(cpu.express ?? []), 1)}`,
    ],
    [
      "CPU overhead per request",
      `${fmt((mean(cpu.express ?? []) / mean(cpu.node ?? []) - 1) * 100, 1)} %  (target <= 15 %)`,
    ],
  ]);
} finally {
  await stopAllProcesses();
}
