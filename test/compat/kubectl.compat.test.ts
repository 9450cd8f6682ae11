import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  type Etcd,
  type HostCluster,
  kubectlVersions,
  type LocalApiserver,
  makeTempDir,
  startApiserver,
  startEtcd,
  startHost,
} from "@evk/testing";

const run = promisify(execFile);
const kubectls = kubectlVersions();

/** One kubectl step of a scenario: its arguments, and stdin. */
interface Step {
  args: string[];
  stdin?: string;
  /** Compare only the exit code and stderr's first line (outputs that carry server-specific data). */
  codeOnly?: boolean;
}

/**
 * What may differ between two correct servers: identities, times, revisions, and the names of the
 * users and servers. Everything else must be the same.
 */
function normalise(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uid>")
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, "<time>")
    .replace(/("resourceVersion": ?)"\d+"/g, '$1"<rv>"')
    .replace(/(resourceVersion: )"?\d+"?/g, "$1<rv>")
    .replace(/\b\d+(s|m\d*s?|h\d*m?|d\d*h?)\b(?=\s|$)/g, "<age>")
    .replace(/\b(\d{1,3}\.){3}\d{1,3}\b/g, "<ip>")
    .replace(/\/tmp\/(LIVE|MERGED)-\d+/g, "/tmp/$1-<n>")
    .replace(/\t\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+ [+-]\d{4}/g, "\t<time>");
}

const manifest = (o: unknown) => JSON.stringify(o);
const configMap = (name: string, data: Record<string, string>, labels?: Record<string, string>) =>
  manifest({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...(labels ? { labels } : {}) }, data });

/** Steps a user runs, in order, in a namespace of their own on each server. */
function scenario(ns: string): Step[] {
  const n = ["-n", ns];
  return [
    {
      args: ["create", "--validate=false", "-f", "-"],
      stdin: manifest({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }),
    },
    {
      args: [...n, "create", "--validate=false", "-f", "-"],
      stdin: configMap("app", { mode: "fast", level: "3" }, { app: "demo" }),
    },
    { args: [...n, "get", "configmap", "app", "-o", "json"] },
    { args: [...n, "get", "configmap", "app", "-o", "yaml"] },
    { args: [...n, "get", "configmap", "app", "-o", "jsonpath={.data.mode}"] },
    { args: [...n, "get", "configmaps", "-o", "custom-columns=NAME:.metadata.name,MODE:.data.mode"] },
    { args: [...n, "get", "configmaps", "-l", "app=demo", "-o", "name"] },
    { args: [...n, "get", "configmaps", "-l", "app=other"] },
    { args: [...n, "label", "configmap", "app", "tier=web"] },
    { args: [...n, "annotate", "configmap", "app", "owner=team-a"] },
    { args: [...n, "patch", "configmap", "app", "--type", "merge", "-p", '{"data":{"mode":"slow"}}'] },
    { args: [...n, "patch", "configmap", "app", "--type", "json", "-p", '[{"op":"remove","path":"/data/level"}]'] },
    { args: [...n, "get", "configmap", "app", "-o", "jsonpath={.data} {.metadata.labels} {.metadata.annotations}"] },
    { args: [...n, "get", "configmap", "app", "-o", "wide"] },
    { args: [...n, "describe", "configmap", "app"] },
    { args: [...n, "wait", "--for=jsonpath={.data.mode}=slow", "configmap/app", "--timeout=30s"] },
    // Bad input gets the same answer from both.
    { args: [...n, "get", "configmap", "missing"] },
    { args: [...n, "create", "--validate=false", "-f", "-"], stdin: configMap("app", { a: "b" }) },
    {
      args: [...n, "create", "--validate=false", "-f", "-"],
      stdin: configMap("Bad_Name", { a: "b" }),
      codeOnly: false,
    },
    {
      args: [
        ...n,
        "patch",
        "configmap",
        "app",
        "--type",
        "json",
        "-p",
        '[{"op":"replace","path":"/data/nope/x","value":1}]',
      ],
      codeOnly: false,
    },
    { args: [...n, "get", "configmaps", "-l", "app in (a"], codeOnly: false },
    // Client-side apply (strategic merge patch with the last-applied annotation), default validation.
    { args: [...n, "apply", "-f", "-"], stdin: configMap("web", { a: "1", b: "2" }) },
    { args: [...n, "apply", "-f", "-"], stdin: configMap("web", { a: "1", c: "3" }) },
    { args: [...n, "get", "configmap", "web", "-o", "jsonpath={.data}"] },
    { args: [...n, "patch", "configmap", "web", "--type", "strategic", "-p", '{"data":{"d":"4"}}'] },
    {
      args: [...n, "create", "-f", "-"],
      stdin: manifest({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "strict" }, data: {}, bogus: 1 }),
    },
    // Server-side dry run: every check, nothing written.
    {
      args: [...n, "create", "--dry-run=server", "-o", "jsonpath={.metadata.name} {.data}", "-f", "-"],
      stdin: configMap("dry", { k: "v" }),
    },
    { args: [...n, "get", "configmap", "dry"] },
    { args: [...n, "create", "--dry-run=server", "-f", "-"], stdin: configMap("web", { a: "1" }) },
    { args: [...n, "delete", "configmap", "web", "--dry-run=server"] },
    { args: [...n, "get", "configmap", "web", "-o", "name"] },
    { args: [...n, "diff", "-f", "-"], stdin: configMap("web", { a: "1", c: "3", d: "5" }) },
    { args: [...n, "auth", "can-i", "create", "pods"] },
    { args: [...n, "auth", "can-i", "delete", "nodes", "--all-namespaces"] },
    // DELETE on a collection, with a selector: what kube-controller-manager's namespace controller uses.
    { args: [...n, "create", "--validate=false", "-f", "-"], stdin: configMap("gone-1", { a: "1" }, { batch: "x" }) },
    { args: [...n, "create", "--validate=false", "-f", "-"], stdin: configMap("gone-2", { a: "2" }, { batch: "x" }) },
    { args: ["delete", "--raw", `/api/v1/namespaces/${ns}/configmaps?labelSelector=batch%3Dx`], codeOnly: true },
    { args: [...n, "get", "configmaps", "-l", "batch=x", "-o", "name"] },
    { args: [...n, "delete", "configmap", "app", "--wait"] },
    { args: [...n, "get", "configmap", "app", "--ignore-not-found", "-o", "name"] },
    { args: ["delete", "namespace", ns, "--wait=false"] },
  ];
}

describe("compat: kubectl against evk-apiserver and kube-apiserver side by side", function () {
  this.timeout(240_000);
  let etcd: Etcd;
  let host: HostCluster;
  let evk: LocalApiserver;
  const dir = makeTempDir("compat");

  before(async () => {
    [etcd, host] = await Promise.all([startEtcd(), startHost({ nodes: 1 })]);
    evk = await startApiserver({ etcd: etcd.endpoint, cluster: "compat", hostKubeconfigPath: host.kubeconfigPath });
  });
  after(async () => {
    await evk?.stop();
    await host?.stop();
    await etcd?.dispose();
  });

  const kubectl = async (bin: string, kubeconfig: string, cache: string, step: Step) => {
    const p = run(bin, [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, cache)}`, ...step.args]);
    if (step.stdin !== undefined) p.child.stdin?.end(step.stdin);
    try {
      const r = await p;
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { stdout: string; stderr: string; code: number };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  for (const { version, bin } of kubectls) {
    it(`kubectl ${version}: every step prints the same on both servers`, async () => {
      const ns = `compat-${version.replace(".", "")}`;
      const differences: string[] = [];
      for (const step of scenario(ns)) {
        const [kube, ours] = await Promise.all([
          kubectl(bin, host.kubeconfigPath, `kube-${version}`, step),
          kubectl(bin, evk.kubeconfigPath, `evk-${version}`, step),
        ]);
        const show = (r: typeof kube) =>
          step.codeOnly ? `exit ${r.code}` : `exit ${r.code}\n${normalise(r.stdout)}\n${normalise(r.stderr)}`;
        if (show(kube) !== show(ours)) {
          differences.push(`kubectl ${step.args.join(" ")}\n--- kube-apiserver\n${show(kube)}\n--- evk\n${show(ours)}`);
        }
      }
      assert.deepEqual(differences, [], `\n${differences.join("\n\n")}`);
    });
  }
});
