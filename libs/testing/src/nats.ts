import { join } from "node:path";
import { ManagedProcess, ProcessStartError } from "./managed-process.ts";
import { binaries } from "./paths.ts";
import { freePorts } from "./ports.ts";
import { httpGet } from "./probe.ts";
import { makeTempDir } from "./tmp.ts";

/** A running nats-server with JetStream, whichever backend started it. */
export interface Nats {
  /** Client URL, e.g. nats://127.0.0.1:4222. Stable across restarts. */
  readonly url: string;
  readonly logFile: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  dispose(): Promise<void>;
  logTail(lines?: number): string;
}

export async function startLocalNats(): Promise<Nats> {
  const dir = makeTempDir("nats");
  for (let attempt = 1; ; attempt++) {
    const [port, monitor] = (await freePorts(2)) as [number, number];
    const url = `nats://127.0.0.1:${port}`;
    const proc = new ManagedProcess({
      name: "nats-server",
      command: binaries.natsServer,
      args: [
        "--addr=127.0.0.1",
        `--port=${port}`,
        "--http_port",
        String(monitor),
        "--jetstream",
        `--store_dir=${join(dir, "jetstream")}`,
        "--server_name=evk-test",
      ],
      logFile: join(dir, "nats.log"),
      // JetStream may lag the client port after a restart while it recovers streams.
      ready: async () => (await httpGet(`http://127.0.0.1:${monitor}/healthz?js-enabled-only=true`)).status === 200,
      readyTimeoutMs: 20_000,
    });
    try {
      await proc.start();
    } catch (err) {
      if (attempt < 3 && err instanceof ProcessStartError && /address already in use/.test(err.message)) continue;
      throw err;
    }
    return {
      url,
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
