import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import type { KubectlResult } from "../host.ts";
import { binaries } from "../paths.ts";

// Real kubectl runs against one apiserver, as a user runs them: a kubeconfig, a discovery and OpenAPI cache of
// their own (so that two servers' documents never mix), stdin, environment and exit code.

const run = promisify(execFile);

export interface KubectlOptions {
  /** Path of the kubeconfig kubectl uses. */
  kubeconfig: string;
  /** kubectl's discovery and OpenAPI cache; without one it shares the user's. */
  cacheDir?: string;
  /** Which kubectl; by default the one built beside the host control plane. */
  bin?: string;
  stdin?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** kubectl is killed after this long (exit code -1); by default it may take as long as the test does. */
  timeoutMs?: number;
  /** Output beyond this many bytes kills kubectl (exit code -1). */
  maxBuffer?: number;
}

/** One kubectl command of a scenario that runs the same on two servers. */
export interface KubectlStep {
  args: string[];
  stdin?: string;
  env?: Record<string, string>;
}

const MAX_BUFFER = 64 * 1024 * 1024;

function commandLine(args: string[], o: KubectlOptions): string[] {
  return [`--kubeconfig=${o.kubeconfig}`, ...(o.cacheDir ? [`--cache-dir=${o.cacheDir}`] : []), ...args];
}

/** One kubectl command to its end: exit code, stdout and stderr, whatever the code. */
export async function kubectl(args: string[], o: KubectlOptions): Promise<KubectlResult> {
  const child = run(o.bin ?? binaries.kubectl, commandLine(args, o), {
    maxBuffer: o.maxBuffer ?? MAX_BUFFER,
    ...(o.timeoutMs ? { timeout: o.timeoutMs } : {}),
    ...(o.env ? { env: { ...process.env, ...o.env } } : {}),
  });
  // Closed at once: a command that reads stdin gets what was given and then its end, never a wait.
  child.child.stdin?.end(o.stdin);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string | null; stdout?: string; stderr?: string };
    // Killed (time or output limit) or never started: no exit code of kubectl's own, and none it could give.
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(err) };
  }
}

/** A kubectl left running (logs -f, attach, port-forward, get -w, wait): its output so far, and how it ended. */
export class RunningKubectl {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  /** The exit code once the process and its output have ended (null when a signal ended it). */
  readonly exited: Promise<number | null>;

  constructor(args: string[], o: Omit<KubectlOptions, "stdin" | "timeoutMs" | "maxBuffer">) {
    this.child = spawn(o.bin ?? binaries.kubectl, commandLine(args, o), {
      stdio: ["ignore", "pipe", "pipe"],
      ...(o.env ? { env: { ...process.env, ...o.env } } : {}),
    });
    this.child.stdout?.on("data", (d: Buffer) => {
      this.stdout += d.toString("utf8");
    });
    this.child.stderr?.on("data", (d: Buffer) => {
      this.stderr += d.toString("utf8");
    });
    this.exited = new Promise((resolve) => {
      this.child.once("error", (err) => {
        this.stderr += String(err);
        resolve(null);
      });
      // "close", not "exit": by then every byte it wrote has been read.
      this.child.once("close", (code) => resolve(code));
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    if (this.running) this.child.kill("SIGTERM");
    await this.exited;
  }
}
