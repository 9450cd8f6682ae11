import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { sleep } from "./probe.ts";

export interface ProcessSpec {
  /** Short name used in messages and log headers, e.g. "etcd" or "kube-apiserver". */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** stdout and stderr are appended here; the file survives restarts so a fault test reads one story. */
  logFile: string;
  /** Resolves true once the process serves; polled until `readyTimeoutMs`. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

export class ProcessStartError extends Error {}

/** Environment marker given to every process the harness starts; the test command's leak check looks for it. */
export const RUN_MARKER = "EVK_HARNESS_RUN";

const live = new Set<ManagedProcess>();

// Linux kills a child whose parent dies when it was started under `setpriv --pdeathsig`,
// so even a SIGKILLed test runner leaves nothing behind.
const setpriv = (() => {
  if (process.platform !== "linux") return undefined;
  const r = spawnSync("setpriv", ["--help"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("--pdeathsig") ? "setpriv" : undefined;
})();

/**
 * A real server process in its own process group, with its output in a log file.
 * `stop` is graceful (SIGTERM, then SIGKILL), `kill` is SIGKILL for fault tests, `start` after either
 * brings it back with the same arguments (same ports, same data directory).
 */
export class ManagedProcess {
  readonly spec: ProcessSpec;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: string | undefined;

  constructor(spec: ProcessSpec) {
    this.spec = spec;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { spec } = this;
    if (!existsSync(spec.command)) {
      throw new ProcessStartError(
        `${spec.name}: binary ${spec.command} does not exist (run 'npm test' once to build it)`,
      );
    }
    const fd = openSync(spec.logFile, "a");
    const [cmd, args] = setpriv
      ? [setpriv, ["--pdeathsig", "KILL", "--", spec.command, ...spec.args]]
      : [spec.command, spec.args];
    const child = spawn(cmd, args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env, [RUN_MARKER]: process.env.EVK_TEST_RUN_ID ?? "interactive" },
      stdio: ["ignore", fd, fd],
      detached: true,
    });
    closeSync(fd);
    this.child = child;
    this.exitInfo = undefined;
    live.add(this);
    this.exited = new Promise((resolve) => {
      const done = (info: string) => {
        if (this.child === child) this.exitInfo ??= info;
        live.delete(this);
        resolve();
      };
      child.once("exit", (code, sig) => done(sig ? `killed by ${sig}` : `exited with code ${code}`));
      child.once("error", (err) => done(`failed to start: ${err.message}`));
    });
    const deadline = Date.now() + (spec.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (this.exitInfo !== undefined) {
        throw new ProcessStartError(`${spec.name} ${this.exitInfo} before it was ready\n${this.logTail(40)}`);
      }
      if (await spec.ready().catch(() => false)) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new ProcessStartError(
          `${spec.name} was not ready within ${spec.readyTimeoutMs ?? 30_000} ms\n${this.logTail(40)}`,
        );
      }
      await sleep(100);
    }
  }

  /** SIGTERM to the whole group, SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.signal("SIGTERM");
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) await this.kill();
  }

  /** SIGKILL to the whole group: the crash a fault test wants. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal("SIGKILL");
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // The group is already gone.
    }
  }

  logTail(lines = 50): string {
    let text = "";
    try {
      text = readFileSync(this.spec.logFile, "utf8");
    } catch {
      return `(no log at ${this.spec.logFile})`;
    }
    const all = text.trimEnd().split("\n");
    const tail = all.slice(-lines).join("\n");
    return `--- last ${Math.min(lines, all.length)} lines of ${this.spec.name} log (${this.spec.logFile}) ---\n${tail}\n--- end of ${this.spec.name} log ---`;
  }

  /** Synchronous SIGKILL for exit handlers, where nothing can be awaited. */
  killNow(): void {
    this.signal("SIGKILL");
  }
}

export function liveProcesses(): ManagedProcess[] {
  return [...live];
}

export async function stopAllProcesses(): Promise<void> {
  // Reverse start order: clients before the servers they depend on.
  await Promise.all([...live].reverse().map((p) => p.stop(5_000)));
}

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => {
    for (const p of live) p.killNow();
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      // When the program has its own handler (evk up, mocha), it owns the orderly shutdown and the
      // exit hook above SIGKILLs whatever is left; alone, this handler is the shutdown.
      if (process.listenerCount(sig) > 1) return;
      for (const p of live) p.killNow();
      process.exit(sig === "SIGINT" ? 130 : 143);
    });
  }
}
installExitHandlers();
