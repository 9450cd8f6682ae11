import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  IPS,
  KUBECTL_DIFF,
  KUBECTL_OUTPUT,
  type KubectlStep,
  kubectlVersions,
  makeTempDir,
  normaliser,
  useSideBySide,
} from "@evk/testing";

const kubectls = kubectlVersions();

interface Step extends KubectlStep {
  /** Compare only the exit code and stderr's first line (outputs that carry server-specific data). */
  codeOnly?: boolean;
}

/**
 * What may differ between two correct servers: identities, times, revisions, and the names of the
 * users and servers. Everything else must be the same.
 */
const normalise = normaliser(KUBECTL_OUTPUT, IPS, KUBECTL_DIFF);

const manifest = (o: unknown) => JSON.stringify(o);
const eviction = (namespace: string, name: string) =>
  manifest({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } });
const configMap = (name: string, data: Record<string, string>, labels?: Record<string, string>) =>
  manifest({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...(labels ? { labels } : {}) }, data });

/** Steps a user runs, in order, in a namespace of their own on each server. */
function scenario(ns: string, editor: string): Step[] {
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
    // kubectl edit with a scripted editor: get, edit, patch back.
    { args: [...n, "edit", "configmap", "app"], env: { EDITOR: editor } },
    { args: [...n, "get", "configmap", "app", "-o", "jsonpath={.data.mode}"] },
    { args: [...n, "get", "configmap", "app", "-w", "--output-watch-events", "-o", "name", "--request-timeout=2s"] },
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
    // Metadata every kind validates: label keys and values, finalizer names.
    {
      args: [...n, "create", "--validate=false", "-f", "-"],
      stdin: manifest({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "badmeta", labels: { "bad key!": "v" }, annotations: { "a/b/c": "x" } },
      }),
    },
    {
      args: [...n, "create", "--validate=false", "-f", "-"],
      stdin: manifest({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "badfin", finalizers: ["no-domain"] } }),
    },
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
    // Workloads, run by each server's kube-controller-manager; evk's pods run on the host through its syncers.
    { args: [...n, "create", "deployment", "web", "--image=nginx", "--replicas=2"] },
    { args: [...n, "wait", "--for=condition=Available", "deployment/web", "--timeout=120s"] },
    { args: [...n, "get", "deployment", "web", "-o", "wide"] },
    { args: [...n, "get", "deployment", "web", "-o", "yaml"] },
    { args: [...n, "scale", "deployment", "web", "--replicas=3"] },
    { args: [...n, "wait", "--for=jsonpath={.status.readyReplicas}=3", "deployment/web", "--timeout=120s"] },
    // The replica set's name carries the hash of the defaulted pod template: equal only if defaulting is.
    {
      args: [
        ...n,
        "get",
        "rs",
        "-l",
        "app=web",
        "-o",
        "custom-columns=NAME:.metadata.name,DESIRED:.spec.replicas,OWNER:.metadata.ownerReferences[0].kind",
      ],
    },
    { args: [...n, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.phase}"] },
    { args: [...n, "delete", "deployment", "web", "--cascade=orphan"] },
    { args: [...n, "get", "rs", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.ownerReferences}"] },
    { args: [...n, "delete", "rs", "-l", "app=web", "--cascade=foreground", "--timeout=120s"] },
    { args: [...n, "get", "rs,pods", "-l", "app=web", "-o", "name"] },
    { args: [...n, "create", "deployment", "api", "--image=nginx"] },
    { args: [...n, "wait", "--for=condition=Available", "deployment/api", "--timeout=120s"] },
    { args: [...n, "delete", "deployment", "api", "--cascade=background"] },
    { args: [...n, "wait", "--for=delete", "pods", "-l", "app=api", "--timeout=120s"], codeOnly: true },
    { args: [...n, "get", "rs,pods", "-l", "app=api", "-o", "name"] },
    // Evictions against a PodDisruptionBudget that the disruption controller keeps up to date.
    {
      args: [...n, "apply", "-f", "-"],
      stdin: manifest({
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "db" },
        spec: {
          replicas: 2,
          serviceName: "db",
          selector: { matchLabels: { app: "db" } },
          template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "postgres" }] } },
        },
      }),
    },
    { args: [...n, "wait", "--for=jsonpath={.status.readyReplicas}=2", "statefulset/db", "--timeout=120s"] },
    { args: [...n, "get", "pods", "-l", "app=db", "-o", "name"] },
    { args: [...n, "create", "pdb", "db", "--selector=app=db", "--min-available=2"] },
    { args: [...n, "wait", "--for=jsonpath={.status.currentHealthy}=2", "pdb/db", "--timeout=60s"] },
    {
      args: ["create", "--raw", `/api/v1/namespaces/${ns}/pods/db-0/eviction`, "-f", "-"],
      stdin: eviction(ns, "db-0"),
    },
    { args: [...n, "patch", "pdb", "db", "--type=merge", "-p", '{"spec":{"minAvailable":1}}'] },
    { args: [...n, "wait", "--for=jsonpath={.status.disruptionsAllowed}=1", "pdb/db", "--timeout=60s"] },
    {
      args: ["create", "--raw", `/api/v1/namespaces/${ns}/pods/db-0/eviction`, "-f", "-"],
      stdin: eviction(ns, "db-0"),
    },
    { args: [...n, "delete", "statefulset", "db", "--wait=false"] },
    // Discovery, whole: every group-version and resource kube-apiserver serves by default, and who the user is.
    { args: ["api-versions"] },
    { args: ["api-resources"] },
    { args: ["api-resources", "-o", "wide"] },
    { args: ["auth", "whoami"] },
    { args: ["auth", "whoami", "-o", "json"] },
    { args: [...n, "get", "configmap", "app", "--ignore-not-found", "-o", "name"] },
    { args: ["delete", "namespace", ns, "--wait=false"] },
  ];
}

describe("compat: kubectl against evk-apiserver and kube-apiserver side by side", function () {
  this.timeout(600_000);
  // The host control plane (with its controller-manager) and, on it, a whole virtual cluster: apiserver,
  // syncers and its own controller-manager, as `evk up` runs it.
  const sides = useSideBySide({
    cluster: "compat",
    virtualCluster: {
      syncers: ["syncer-pods", "syncer-services", "syncer-storage"],
      nodes: 2,
      controllerManager: true,
    },
  });
  const dir = makeTempDir("compat");
  const editor = join(dir, "editor.sh");
  writeFileSync(editor, '#!/bin/sh\nsed -i "s/mode: slow/mode: edited/" "$1"\n');
  chmodSync(editor, 0o755);

  for (const { version, bin } of kubectls) {
    it(`kubectl ${version}: every step prints the same on both servers`, async () => {
      const ns = `compat-${version.replace(".", "")}`;
      const differences: string[] = [];
      for (const step of scenario(ns, editor)) {
        const [kube, ours] = await sides.onBoth((s) => s.kubectl(step.args, { bin, stdin: step.stdin, env: step.env }));
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
