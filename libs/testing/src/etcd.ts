import { join } from "node:path";
import { ManagedProcess, ProcessStartError } from "./managed-process.ts";
import { binaries } from "./paths.ts";
import { freePorts } from "./ports.ts";
import { httpGet } from "./probe.ts";
import { makeTempDir } from "./tmp.ts";

export interface EtcdOptions {
  /** fsync on (true) for benchmarks that must pay for durability; off by default for tests. */
  fsync?: boolean;
  /** Extra etcd flags, e.g. `--auto-compaction-retention=1`. */
  extraArgs?: string[];
}

/** A running etcd as tests and benchmarks see it, whichever backend started it. */
export interface Etcd {
  /** Client URL, e.g. http://127.0.0.1:41234. Stable across restarts. */
  readonly endpoint: string;
  readonly logFile: string;
  /** Graceful stop; `start` brings it back with the same data. */
  stop(): Promise<void>;
  /** SIGKILL, for crash tests. */
  kill(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and forgets its data. */
  dispose(): Promise<void>;
  logTail(lines?: number): string;
}

export async function startLocalEtcd(opts: EtcdOptions = {}): Promise<Etcd> {
  const dir = makeTempDir("etcd");
  // A port taken between probing and binding makes etcd exit at once; try fresh ports then.
  for (let attempt = 1; ; attempt++) {
    const [client, peer] = (await freePorts(2)) as [number, number];
    const endpoint = `http://127.0.0.1:${client}`;
    const peerUrl = `http://127.0.0.1:${peer}`;
    const proc = new ManagedProcess({
      name: "etcd",
      command: binaries.etcd,
      args: [
        "--name=evk",
        `--data-dir=${join(dir, "data")}`,
        `--listen-client-urls=${endpoint}`,
        `--advertise-client-urls=${endpoint}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=evk=${peerUrl}`,
        "--quota-backend-bytes=8589934592",
        "--log-level=warn",
        ...(opts.fsync ? [] : ["--unsafe-no-fsync=true"]),
        ...(opts.extraArgs ?? []),
      ],
      logFile: join(dir, "etcd.log"),
      ready: async () => (await httpGet(`${endpoint}/readyz`)).status === 200,
      readyTimeoutMs: 20_000,
    });
    try {
      await proc.start();
    } catch (err) {
      if (attempt < 3 && err instanceof ProcessStartError && /address already in use/.test(err.message)) continue;
      throw err;
    }
    return {
      endpoint,
      logFile: proc.spec.logFile,
      stop: () => proc.stop(),
      kill: () => proc.kill(),
      start: () => proc.start(),
      restart: () => proc.restart(),
      dispose: () => proc.stop(),
      logTail: (n) => proc.logTail(n),
    };
  }
}
