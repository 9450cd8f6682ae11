import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { binaries, cacheDir, KWOK_VERSION, NATS_VERSION, repoRoot } from "./paths.ts";

/** One real part that has to be built or fetched before it can start. */
interface Part {
  name: string;
  ready: () => boolean;
  script: string[];
  /** Tests that need it fail on their own, with a clear message: a failure here is a warning, not the end of the run. */
  optional?: boolean;
}

/**
 * True when the Go module cache holds the k8s.io/api and k8s.io/apimachinery versions tools/k8s-bins/go.mod
 * pins: the apiserver reads their .proto files there to decode protobuf request bodies.
 */
function kubeProtosReady(): boolean {
  const gomod = readFileSync(join(repoRoot, "tools/k8s-bins/go.mod"), "utf8");
  let cache: string;
  try {
    cache = execFileSync("go", ["env", "GOMODCACHE"], { encoding: "utf8", timeout: 15_000 }).trim();
  } catch {
    return false;
  }
  return ["api", "apimachinery"].every((m) => {
    const v = new RegExp(`^\\s*k8s\\.io/${m} => k8s\\.io/${m} (v\\S+)`, "m").exec(gomod)?.[1];
    const proto = m === "api" ? "core/v1/generated.proto" : "pkg/apis/meta/v1/generated.proto";
    return v !== undefined && existsSync(join(cache, "k8s.io", `${m}@${v}`, proto));
  });
}

const parts: Record<"etcd" | "nats" | "kwok" | "kube" | "kubeProtos" | "etcdBench", Part> = {
  etcd: {
    name: "etcd 3.5 (Debian trixie etcd-server)",
    ready: () => existsSync(binaries.etcd),
    script: ["scripts/install-etcd.sh"],
  },
  nats: {
    name: `nats-server ${NATS_VERSION}`,
    ready: () => existsSync(binaries.natsServer),
    script: [
      "scripts/install-go-tool.sh",
      join(cacheDir, `nats-server-${NATS_VERSION}`),
      NATS_VERSION.slice(1),
      `github.com/nats-io/nats-server/v2@${NATS_VERSION}`,
    ],
  },
  kwok: {
    name: `kwok ${KWOK_VERSION}`,
    ready: () => existsSync(binaries.kwok) && existsSync(join(binaries.kwokStages, "pod-ready.yaml")),
    script: ["scripts/install-kwok.sh", join(cacheDir, `kwok-${KWOK_VERSION}`), KWOK_VERSION],
  },
  kube: {
    name: "kube-apiserver, kube-controller-manager, kube-scheduler, kubectl",
    ready: () =>
      [binaries.kubeApiserver, binaries.kubeControllerManager, binaries.kubeScheduler, binaries.kubectl].every((b) =>
        existsSync(b),
      ),
    script: ["tools/k8s-bins/build.sh", binaries.kubeDir],
  },
  kubeProtos: {
    name: "Kubernetes .proto files (k8s.io/api, k8s.io/apimachinery in the Go module cache)",
    ready: kubeProtosReady,
    script: ["tools/k8s-bins/protos.sh"],
    optional: true,
  },
  etcdBench: {
    name: "etcd-bench (raw put load with etcd's Go client)",
    ready: () => existsSync(binaries.etcdBench),
    script: ["tools/etcd-bench/build.sh", dirname(binaries.etcdBench)],
  },
};

export type PartName = keyof typeof parts;

export class ProvisionError extends Error {}

/**
 * Builds or fetches the named parts that are missing from the cache. The scripts print their
 * own progress to stderr and are idempotent, so a warm call costs a few file checks.
 */
export async function ensureParts(names: PartName[] = ["etcd", "nats", "kwok", "kube", "kubeProtos"]): Promise<void> {
  for (const n of names) {
    const part = parts[n];
    if (part.ready()) continue;
    const [script, ...args] = part.script;
    const started = Date.now();
    process.stderr.write(`evk: preparing ${part.name}\n`);
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn("bash", [join(repoRoot, script as string), ...args], {
        cwd: repoRoot,
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, EVK_CACHE_DIR: cacheDir },
      });
      child.on("error", reject);
      child.on("exit", (c, sig) => resolve(c ?? (sig ? 128 : 1)));
    });
    if ((code !== 0 || !part.ready()) && part.optional) {
      process.stderr.write(
        `evk: could not prepare ${part.name} (${script} exited ${code}); tests that need it will fail\n`,
      );
      continue;
    }
    if (code !== 0 || !part.ready()) {
      throw new ProvisionError(`could not prepare ${part.name} (${script} exited ${code}); see the message above`);
    }
    process.stderr.write(`evk: ${part.name} ready in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }
}
