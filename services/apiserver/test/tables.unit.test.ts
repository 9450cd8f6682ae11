import assert from "node:assert/strict";
import { formatQuantity, type KubeObject } from "@evk/kube";
import { resourceTypes } from "../src/resources.ts";
import { formatLabelSelector, selectorString } from "../src/tables/format.ts";
import { type Cell, defaultPrinter, humanDuration, tableColumns, toTable, wantsTable } from "../src/tables/index.ts";

// Rows are kube's own printer tests (kubernetes pkg/printers/internalversion/printers_test.go, 1.35) written as
// v1 JSON, plus cases of our own where kube's tests are thin.

const NOW = Date.parse("2026-01-01T12:00:00Z");
const S = 1000;
const ago = (ms: number) => new Date(NOW - ms).toISOString().replace(".000Z", "Z");
const obj = (o: Record<string, unknown>): KubeObject => ({ metadata: {}, ...o }) as KubeObject;
const cells = (key: string, o: Record<string, unknown>): Cell[] => {
  const printer = tableColumns[key];
  assert.ok(printer, `no printer for ${key}`);
  return printer.cells(obj(o), NOW);
};
/** The priority-0 cells only: what kube's tests expect when they print without Wide. */
const narrow = (key: string, o: Record<string, unknown>): Cell[] => {
  const printer = tableColumns[key];
  assert.ok(printer);
  const all = printer.cells(obj(o), NOW);
  return all.filter((_, i) => printer.columns[i]?.priority === 0);
};

describe("tables: formats", () => {
  const table: [number, string][] = [
    [-5 * S, "<invalid>"],
    [-1.5 * S, "0s"],
    [-0.5 * S, "0s"],
    [0, "0s"],
    [119 * S, "119s"],
    [120 * S, "2m"],
    [150 * S, "2m30s"],
    [9 * 60 * S + 59 * S, "9m59s"],
    [10 * 60 * S + 30 * S, "10m"],
    [179 * 60 * S, "179m"],
    [3 * 3600 * S, "3h"],
    [7 * 3600 * S + 30 * 60 * S, "7h30m"],
    [47 * 3600 * S, "47h"],
    [48 * 3600 * S, "2d"],
    [(7 * 24 + 5) * 3600 * S, "7d5h"],
    [8 * 24 * 3600 * S, "8d"],
    [729 * 24 * 3600 * S, "729d"],
    [(2 * 365 + 3) * 24 * 3600 * S, "2y3d"],
    [9 * 365 * 24 * 3600 * S, "9y"],
  ];
  for (const [ms, want] of table) {
    it(`humanDuration(${ms / 1000}s) = ${want}`, () => assert.equal(humanDuration(ms), want));
  }

  // apimachinery's TestQuantityParseEmit, plus the canonical forms capacity cells show.
  const quantities: [string, string][] = [
    ["1Ki", "1Ki"],
    ["1Mi", "1Mi"],
    ["1Gi", "1Gi"],
    ["1024Mi", "1Gi"],
    ["1000M", "1G"],
    [".001Ki", "1024m"],
    [".000001Ki", "1024u"],
    [".000000001Ki", "1024n"],
    [".000000000001Ki", "2n"],
    ["-1024Mi", "-1Gi"],
    ["-.001Ki", "-1024m"],
    ["1.5Gi", "1536Mi"],
    ["1.5", "1500m"],
    ["0.5", "500m"],
    ["1000", "1k"],
    ["100Mi", "100Mi"],
    ["8Gi", "8Gi"],
    ["2048Ki", "2Mi"],
    ["1e3", "1e3"],
    ["1000e3", "1e6"],
    ["12", "12"],
    ["0", "0"],
    ["0Gi", "0"],
    ["100m", "100m"],
    ["1k", "1k"],
    ["500Ki", "500Ki"],
    ["1536", "1536"],
  ];
  for (const [q, want] of quantities) {
    it(`quantity ${q} prints ${want}`, () => assert.equal(formatQuantity(q), want));
  }

  it("formats label selectors as apimachinery does", () => {
    assert.equal(selectorString(undefined), "");
    assert.equal(formatLabelSelector(undefined), "<none>");
    assert.equal(formatLabelSelector({}), "<none>");
    assert.equal(
      formatLabelSelector({
        matchLabels: { b: "2", a: "1" },
        matchExpressions: [
          { key: "a", operator: "Exists" },
          { key: "c", operator: "NotIn", values: ["z", "x"] },
          { key: "b", operator: "In", values: ["y"] },
          { key: "0", operator: "DoesNotExist" },
        ],
      }),
      "!0,a=1,a,b=2,b in (y),c notin (x,z)",
    );
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: "a", operator: "Bogus" }] }), "<error>");
  });

  it("chooses a v1 Table only when the client asks for it first", () => {
    assert.equal(
      wantsTable(
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
      ),
      true,
    );
    assert.equal(wantsTable("application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"), false);
    assert.equal(wantsTable("application/json"), false);
    assert.equal(wantsTable(undefined), false);
  });
});

describe("tables: the Table", () => {
  it("has a printer, with a cell per column, for every kind evk serves", () => {
    for (const t of resourceTypes) {
      const key = `${t.group || "core"}/${t.resource}`;
      const printer = tableColumns[key];
      assert.ok(printer, `no printer for ${key}`);
      // kube sends an IPAddress's age as a third cell without defining a column for it.
      const extraCells = key === "networking.k8s.io/ipaddresses" ? 1 : 0;
      assert.equal(printer.cells(obj({}), NOW).length, printer.columns.length + extraCells, key);
      // kube looks RuntimeClass's Handler description up in ObjectMeta's docs, where there is none.
      const described = printer.columns.filter(
        (c) => c.description || (key === "node.k8s.io/runtimeclasses" && c.name === "Handler"),
      );
      assert.equal(described.length, printer.columns.length, `${key} has a column without description`);
    }
  });

  it("prints configmap rows with kube's columns and metadata-only objects", () => {
    const cm = {
      metadata: { name: "c1", creationTimestamp: ago(600 * S) },
      data: { a: "1", b: "2" },
      binaryData: { c: "eA==" },
    };
    const t = toTable(tableColumns["core/configmaps"] ?? defaultPrinter, [cm], { resourceVersion: "7" }, null, NOW);
    assert.deepEqual(
      t.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]),
      [
        ["Name", "string", "name", 0],
        ["Data", "string", "", 0],
        ["Age", "string", "", 0],
      ],
    );
    assert.deepEqual(t.rows[0], {
      cells: ["c1", 3, "10m"],
      object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: cm.metadata },
    });
    assert.equal(toTable(defaultPrinter, [cm], {}, "None", NOW).rows[0]?.object, undefined);
    assert.equal(toTable(defaultPrinter, [cm], {}, "Object", NOW).rows[0]?.object, cm);
  });

  it("prints kinds without a kube printer as kube's default table", () => {
    const role = { metadata: { name: "r", creationTimestamp: "2025-12-31T10:00:00Z" } };
    for (const key of ["rbac.authorization.k8s.io/roles", "core/limitranges", "storage.k8s.io/csistoragecapacities"]) {
      const t = toTable(tableColumns[key] ?? defaultPrinter, [role], {}, "None", NOW);
      assert.deepEqual(
        t.columnDefinitions.map((c) => [c.name, c.type, c.format]),
        [
          ["Name", "string", "name"],
          ["Created At", "date", ""],
        ],
      );
      assert.deepEqual(t.rows[0]?.cells, ["r", "2025-12-31T10:00:00Z"]);
    }
  });

  it("marks finished pods Completed, as kube's row conditions do", () => {
    const printer = tableColumns["core/pods"] ?? defaultPrinter;
    const done = { metadata: { name: "p" }, spec: { containers: [{}] }, status: { phase: "Succeeded" } };
    const failed = { metadata: { name: "p" }, spec: { containers: [{}] }, status: { phase: "Failed" } };
    const running = { metadata: { name: "p" }, spec: { containers: [{}] }, status: { phase: "Running" } };
    const t = toTable(printer, [done, failed, running], {}, "None", NOW);
    assert.deepEqual(
      t.rows.map((r) => r.conditions),
      [
        [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }],
        [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }],
        undefined,
      ],
    );
  });
});

describe("tables: pods", () => {
  const c = (n: number) => Array.from({ length: n }, () => ({}));
  const run = { running: {} };
  const term = (x: Record<string, unknown> = {}) => ({ terminated: x });
  const lastTerm = (ms: number) => ({ terminated: { finishedAt: ago(ms) } });
  const always = (name: string) => ({ name, restartPolicy: "Always" });
  const cases: [string, Record<string, unknown>, Cell[]][] = [
    [
      "name, containers, restarts and readiness",
      {
        spec: { containers: c(2) },
        status: {
          phase: "podPhase",
          containerStatuses: [{ ready: true, restartCount: 3, state: run }, { restartCount: 3 }],
        },
      },
      ["1/2", "podPhase", "6"],
    ],
    [
      "a waiting container's reason over the phase",
      {
        spec: { containers: c(2) },
        status: {
          phase: "podPhase",
          containerStatuses: [
            { ready: true, restartCount: 3, state: run },
            { state: { waiting: { reason: "ContainerWaitingReason" } }, restartCount: 3 },
          ],
        },
      },
      ["1/2", "ContainerWaitingReason", "6"],
    ],
    [
      "the first container's reason over the others",
      {
        spec: { containers: c(2) },
        status: {
          phase: "podPhase",
          containerStatuses: [
            { state: { waiting: { reason: "ContainerWaitingReason" } }, restartCount: 3 },
            { state: term({ reason: "ContainerTerminatedReason" }), restartCount: 3 },
          ],
        },
      },
      ["0/2", "ContainerWaitingReason", "6"],
    ],
    [
      "the pod's reason over its phase",
      {
        spec: { containers: c(2) },
        status: {
          reason: "podReason",
          phase: "podPhase",
          containerStatuses: [
            { ready: true, restartCount: 3, state: run },
            { ready: true, restartCount: 3 },
          ],
        },
      },
      ["1/2", "podReason", "6"],
    ],
    [
      "completed and running containers without a Ready condition",
      {
        spec: { containers: c(2) },
        status: {
          phase: "Running",
          containerStatuses: [
            { ready: true, restartCount: 3, state: term({ reason: "Completed", exitCode: 0 }) },
            { ready: true, restartCount: 3, state: run },
          ],
        },
      },
      ["1/2", "NotReady", "6"],
    ],
    [
      "completed and running containers with a Ready condition",
      {
        spec: { containers: c(2) },
        status: {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True" }],
          containerStatuses: [
            { ready: true, restartCount: 3, state: term({ reason: "Completed", exitCode: 0 }) },
            { ready: true, restartCount: 3, state: run },
          ],
        },
      },
      ["1/2", "Running", "6"],
    ],
    [
      "an init container restarting",
      {
        spec: { initContainers: c(1), containers: c(1) },
        status: {
          phase: "podPhase",
          initContainerStatuses: [{ restartCount: 3, state: run, lastState: lastTerm(10 * S) }],
          containerStatuses: [{ restartCount: 0, state: { waiting: {} } }],
        },
      },
      ["0/1", "Init:0/1", "3 (10s ago)"],
    ],
    [
      "the second of two init containers running",
      {
        spec: { initContainers: c(2), containers: c(1) },
        status: {
          phase: "podPhase",
          initContainerStatuses: [{ state: term() }, { restartCount: 3, state: run, lastState: lastTerm(10 * S) }],
          containerStatuses: [{ state: { waiting: {} } }],
        },
      },
      ["0/1", "Init:1/2", "3 (10s ago)"],
    ],
    [
      "restarts of finished init containers counted while initialising",
      {
        spec: { initContainers: c(2), containers: c(1) },
        status: {
          phase: "podPhase",
          initContainerStatuses: [
            { restartCount: 2, state: term(), lastState: lastTerm(120 * S) },
            { restartCount: 3, state: run, lastState: lastTerm(10 * S) },
          ],
          containerStatuses: [{ state: { waiting: {} } }],
        },
      },
      ["0/1", "Init:1/2", "5 (10s ago)"],
    ],
    [
      "init restarts forgotten once initialised",
      {
        spec: { initContainers: c(1), containers: c(1) },
        status: {
          phase: "Running",
          initContainerStatuses: [{ restartCount: 2, state: term(), lastState: lastTerm(120 * S) }],
          containerStatuses: [{ restartCount: 4, state: run, lastState: lastTerm(20 * S) }],
        },
      },
      ["0/1", "Running", "4 (20s ago)"],
    ],
    [
      "a restart days ago",
      {
        spec: { containers: c(2) },
        status: {
          phase: "Running",
          containerStatuses: [
            { ready: true, restartCount: 6, state: run, lastState: lastTerm(5 * 86400 * S) },
            { ready: true, restartCount: 3, state: run, lastState: lastTerm(20 * 86400 * S) },
          ],
        },
      },
      ["2/2", "Running", "9 (5d ago)"],
    ],
    [
      "scheduling gated",
      {
        spec: { containers: c(2) },
        status: {
          phase: "podPhase",
          conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
        },
      },
      ["0/2", "SchedulingGated", "0"],
    ],
    [
      "failed",
      {
        spec: { containers: c(1) },
        status: { phase: "Failed", containerStatuses: [{ state: term({ reason: "Error", exitCode: 1 }) }] },
      },
      ["0/1", "Error", "0"],
    ],
    [
      "succeeded while being deleted",
      {
        metadata: { deletionTimestamp: ago(10 * S) },
        spec: { containers: c(1) },
        status: { phase: "Succeeded", containerStatuses: [{ state: term({ reason: "Completed", exitCode: 0 }) }] },
      },
      ["0/1", "Completed", "0"],
    ],
    [
      "running while being deleted",
      {
        metadata: { deletionTimestamp: ago(10 * S) },
        spec: { containers: c(1) },
        status: { phase: "Running", containerStatuses: [{ state: run }] },
      },
      ["0/1", "Terminating", "0"],
    ],
    [
      "pending while being deleted",
      { metadata: { deletionTimestamp: ago(10 * S) }, spec: { containers: c(1) }, status: { phase: "Pending" } },
      ["0/1", "Terminating", "0"],
    ],
    [
      "deleted on a lost node",
      {
        metadata: { deletionTimestamp: ago(10 * S) },
        spec: { containers: c(1) },
        status: { phase: "Running", reason: "NodeLost" },
      },
      ["0/1", "Unknown", "0"],
    ],
    [
      "an error next to a running container (kubernetes#107713)",
      {
        spec: { containers: c(3) },
        status: {
          phase: "Failed",
          containerStatuses: [
            { ready: true, state: run },
            { ready: true, state: term({ exitCode: 1, reason: "podCrash" }) },
            { ready: true, state: term({ exitCode: 0 }) },
          ],
        },
      },
      ["1/3", "podCrash", "0"],
    ],
    [
      "init containers that failed, by signal, exit code or reason",
      {
        spec: { initContainers: c(1), containers: c(1) },
        status: { phase: "Pending", initContainerStatuses: [{ state: term({ exitCode: 137, signal: 9 }) }] },
      },
      ["0/1", "Init:Signal:9", "0"],
    ],
    [
      "an init container's exit code",
      {
        spec: { initContainers: c(1), containers: c(1) },
        status: { phase: "Pending", initContainerStatuses: [{ state: term({ exitCode: 3 }) }] },
      },
      ["0/1", "Init:ExitCode:3", "0"],
    ],
    [
      "an init container waiting with a reason",
      {
        spec: { initContainers: c(1), containers: c(1) },
        status: { phase: "Pending", initContainerStatuses: [{ state: { waiting: { reason: "ImagePullBackOff" } } }] },
      },
      ["0/1", "Init:ImagePullBackOff", "0"],
    ],
    [
      "a container killed by a signal",
      {
        spec: { containers: c(1) },
        status: { phase: "Running", containerStatuses: [{ state: term({ exitCode: 137, signal: 9 }) }] },
      },
      ["0/1", "Signal:9", "0"],
    ],
    [
      "sidecars not yet started",
      {
        spec: { initContainers: [always("r1"), always("r2")], containers: c(1) },
        status: {
          phase: "Pending",
          initContainerStatuses: [
            { name: "r1", restartCount: 3, state: run, started: false, lastState: lastTerm(10 * S) },
            { name: "r2", state: { waiting: {} }, started: false },
          ],
          containerStatuses: [{ restartCount: 0, state: { waiting: {} } }],
          conditions: [{ type: "Initialized", status: "False" }],
        },
      },
      ["0/3", "Init:0/2", "3 (10s ago)"],
    ],
    [
      "one sidecar started",
      {
        spec: { initContainers: [always("r1"), always("r2")], containers: c(1) },
        status: {
          phase: "Pending",
          initContainerStatuses: [
            { name: "r1", restartCount: 3, state: run, started: true, lastState: lastTerm(10 * S) },
            { name: "r2", state: run, started: false },
          ],
          containerStatuses: [{ restartCount: 0, state: { waiting: {} } }],
          conditions: [{ type: "Initialized", status: "False" }],
        },
      },
      ["0/3", "Init:1/2", "3 (10s ago)"],
    ],
    [
      "sidecars started and the container running",
      {
        spec: { initContainers: [always("r1"), always("r2")], containers: c(1) },
        status: {
          phase: "Running",
          initContainerStatuses: [
            { name: "r1", restartCount: 3, state: run, started: true, lastState: lastTerm(10 * S) },
            { name: "r2", state: run, started: true },
          ],
          containerStatuses: [{ ready: true, restartCount: 4, state: run, lastState: lastTerm(20 * S) }],
          conditions: [{ type: "Initialized", status: "True" }],
        },
      },
      ["1/3", "Running", "7 (10s ago)"],
    ],
    [
      "sidecars that failed after the pod completed",
      {
        spec: { initContainers: [always("r1"), always("r2")], containers: c(1) },
        status: {
          phase: "Succeeded",
          initContainerStatuses: [
            {
              name: "r1",
              restartCount: 3,
              state: term({ reason: "Error", exitCode: 137 }),
              started: false,
              lastState: lastTerm(10 * S),
            },
            { name: "r2", state: term({ reason: "Error", exitCode: 137 }), started: false },
          ],
          containerStatuses: [
            { restartCount: 4, state: term({ reason: "Completed", exitCode: 0 }), lastState: lastTerm(20 * S) },
          ],
          conditions: [{ type: "Initialized", status: "True" }],
        },
      },
      ["0/3", "Completed", "7 (10s ago)"],
    ],
    [
      "statuses of containers the spec does not have",
      {
        spec: {
          initContainers: [{ name: "init1" }, always("sidecar1")],
          containers: [{ name: "container1" }],
        },
        status: {
          phase: "Running",
          initContainerStatuses: [{ name: "initinvalid" }, { name: "init1" }, { name: "sidecar1" }],
          containerStatuses: [{ name: "containerinvalid" }, { name: "container1" }],
        },
      },
      ["0/2", "Init:0/2", "0"],
    ],
  ];
  for (const [what, pod, want] of cases) {
    it(what, () => {
      const got = narrow("core/pods", { ...pod, metadata: { name: "p", ...(pod.metadata as object) } });
      assert.deepEqual(got, ["p", ...want, "<unknown>"]);
    });
  }

  it("wide columns: IP, node, nominated node, readiness gates", () => {
    // TestPrintPodwide.
    const pod = {
      metadata: { name: "test1" },
      spec: {
        containers: c(2),
        nodeName: "test1",
        readinessGates: [{ conditionType: "condition1" }, { conditionType: "condition2" }],
      },
      status: {
        conditions: [
          { type: "condition1", status: "True" },
          { type: "condition2", status: "True" },
        ],
        phase: "podPhase",
        podIPs: [{ ip: "1.1.1.1" }],
        containerStatuses: [{ ready: true, restartCount: 3, state: run }, { restartCount: 3 }],
        nominatedNodeName: "node1",
      },
    };
    assert.deepEqual(cells("core/pods", pod), [
      "test1",
      "1/2",
      "podPhase",
      "6",
      "<unknown>",
      "1.1.1.1",
      "test1",
      "node1",
      "2/2",
    ]);
    const dual = {
      metadata: { name: "test2" },
      spec: { containers: c(2), nodeName: "test1", readinessGates: [{ conditionType: "condition1" }] },
      status: {
        conditions: [{ type: "condition1", status: "False" }],
        phase: "podPhase",
        podIPs: [{ ip: "1.1.1.1" }, { ip: "2001:db8::" }],
      },
    };
    assert.deepEqual(cells("core/pods", dual).slice(5), ["1.1.1.1", "test1", "<none>", "0/1"]);
    const bare = { metadata: { name: "test3" }, spec: { containers: c(1) }, status: { phase: "podPhase" } };
    assert.deepEqual(cells("core/pods", bare).slice(5), ["<none>", "<none>", "<none>", "<none>"]);
  });
});

describe("tables: core kinds", () => {
  it("services: external IPs and ports per type", () => {
    // TestPrintService and TestPrintServiceLoadBalancer.
    const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
      cells("core/services", { metadata: { name: "s" }, spec, status }).slice(1, 5);
    assert.deepEqual(
      svc({
        type: "ClusterIP",
        ports: [{ protocol: "TCP", port: 2233 }],
        clusterIPs: ["10.9.8.7"],
        selector: { foo: "bar" },
      }),
      ["ClusterIP", "10.9.8.7", "<none>", "2233/TCP"],
    );
    assert.deepEqual(
      svc({ type: "NodePort", ports: [{ protocol: "TCP", port: 8888, nodePort: 9999 }], clusterIPs: ["10.9.8.7"] }),
      ["NodePort", "10.9.8.7", "<none>", "8888:9999/TCP"],
    );
    assert.deepEqual(
      svc(
        {
          type: "LoadBalancer",
          ports: [
            { protocol: "TCP", port: 8888 },
            { protocol: "UDP", port: 53 },
          ],
          clusterIPs: ["10.9.8.7"],
          externalIPs: ["80.11.12.11"],
        },
        { loadBalancer: { ingress: [{ ip: "3.4.5.6" }, { ip: "2.3.4.5" }, { hostname: "test.cluster.com" }] } },
      ),
      ["LoadBalancer", "10.9.8.7", "2.3.4.5,3.4.5.6,test.cluster.com,80.11.12.11", "8888/TCP,53/UDP"],
    );
    assert.deepEqual(svc({ type: "LoadBalancer", clusterIPs: ["10.9.8.7"] }), [
      "LoadBalancer",
      "10.9.8.7",
      "<pending>",
      "<none>",
    ]);
    assert.deepEqual(svc({ type: "ExternalName", externalName: "my.database.example.com" }), [
      "ExternalName",
      "<none>",
      "my.database.example.com",
      "<none>",
    ]);
    assert.deepEqual(svc({ type: "ClusterIP", clusterIP: "None" }), ["ClusterIP", "None", "<none>", "<none>"]);
    assert.deepEqual(cells("core/services", { spec: { selector: { b: "2", a: "1" } } }).at(-1), "a=1,b=2");
  });

  it("endpoints: three addresses, then how many more", () => {
    // TestPrintEndpoint.
    const ep = (subsets: unknown[] | undefined) => cells("core/endpoints", { subsets })[1];
    assert.equal(ep(undefined), "<none>");
    assert.equal(ep([{ addresses: [{ ip: "1.2.3.4" }, { ip: "5.6.7.8" }] }]), "1.2.3.4,5.6.7.8");
    assert.equal(ep([{ addresses: [{ ip: "1.2.3.4" }], ports: [{ port: 8001, protocol: "TCP" }] }]), "1.2.3.4:8001");
    assert.equal(
      ep([
        {
          addresses: [{ ip: "1.2.3.4" }, { ip: "5.6.7.8" }],
          ports: [
            { port: 8001, protocol: "TCP" },
            { port: 8002, protocol: "TCP" },
            { port: 8003, protocol: "TCP" },
          ],
        },
      ]),
      "1.2.3.4:8001,5.6.7.8:8001,1.2.3.4:8002 + 3 more...",
    );
    assert.equal(
      ep([
        { addresses: [{ ip: "1.2.3.4" }, { ip: "5.6.7.8" }], ports: [{ port: 8001, protocol: "TCP" }] },
        { addresses: [{ ip: "3.4.5.6" }], ports: [{ port: 8002, protocol: "TCP" }] },
      ]),
      "1.2.3.4:8001,5.6.7.8:8001,3.4.5.6:8002",
    );
    assert.equal(ep([{ addresses: [{ ip: "fd00::1" }], ports: [{ port: 80 }] }]), "[fd00::1]:80");
  });

  it("nodes: status, roles and the wide columns", () => {
    // TestPrintNodeStatus, TestPrintNodeRole, TestPrintNode*IP and the version tests.
    const status = (o: Record<string, unknown>) => cells("core/nodes", { metadata: { name: "n" }, ...o })[1];
    assert.equal(status({ status: { conditions: [{ type: "Ready", status: "True" }] } }), "Ready");
    assert.equal(
      status({ spec: { unschedulable: true }, status: { conditions: [{ type: "Ready", status: "True" }] } }),
      "Ready,SchedulingDisabled",
    );
    assert.equal(
      status({
        status: {
          conditions: [
            { type: "Ready", status: "True" },
            { type: "Ready", status: "False" },
          ],
        },
      }),
      "NotReady",
    );
    assert.equal(status({ status: { conditions: [{ type: "Ready", status: "Unknown" }] } }), "NotReady");
    assert.equal(status({ status: { conditions: [{ type: "InvalidValue", status: "True" }] } }), "Unknown");
    assert.equal(status({ spec: { unschedulable: true }, status: {} }), "Unknown,SchedulingDisabled");
    const roles = (labels: Record<string, string>) => cells("core/nodes", { metadata: { labels } })[2];
    assert.equal(roles({}), "<none>");
    assert.equal(roles({ "node-role.kubernetes.io/fed": "true", "kubernetes.io/role": "node" }), "fed,node");
    assert.equal(
      roles({ "node-role.kubernetes.io/": "", "node-role.kubernetes.io/master": "", "kubernetes.io/role": "" }),
      "master",
    );
    const node = {
      metadata: { name: "n" },
      status: {
        nodeInfo: {
          kubeletVersion: "v1.35.4",
          osImage: "Debian",
          kernelVersion: "6.1",
          containerRuntimeVersion: "containerd://2.0",
        },
        addresses: [
          { type: "ExternalIP", address: "1.1.1.1" },
          { type: "InternalIP", address: "2.2.2.2" },
          { type: "InternalIP", address: "3.3.3.3" },
        ],
      },
    };
    assert.deepEqual(cells("core/nodes", node).slice(4), [
      "v1.35.4",
      "2.2.2.2",
      "1.1.1.1",
      "Debian",
      "6.1",
      "containerd://2.0",
    ]);
    assert.deepEqual(cells("core/nodes", { metadata: { name: "n" } }).slice(4), [
      "",
      "<none>",
      "<none>",
      "<unknown>",
      "<unknown>",
      "<unknown>",
    ]);
  });

  it("events: times, counts, object and source, core and events.k8s.io", () => {
    // TestPrintEvent.
    const core = {
      metadata: { name: "event1" },
      involvedObject: { kind: "Deployment", name: "Deployment Name", fieldPath: "spec.containers{foo}" },
      source: { component: "kubelet", host: "Node1" },
      reason: "Event Reason",
      message: "Message Data",
      firstTimestamp: ago(3 * 86400 * S),
      lastTimestamp: ago(2 * 86400 * S),
      count: 6,
      type: "Normal",
    };
    assert.deepEqual(cells("core/events", core), [
      "2d",
      "Normal",
      "Event Reason",
      "deployment/Deployment Name",
      "spec.containers{foo}",
      "kubelet, Node1",
      "Message Data",
      "3d",
      6,
      "event1",
    ]);
    const series = {
      metadata: { name: "event2" },
      involvedObject: { kind: "Deployment", name: "Deployment Name" },
      reportingComponent: "kubelet",
      reportingInstance: "Node1",
      reason: "Event Reason",
      message: "Message Data",
      eventTime: new Date(NOW - 3 * 86400 * S).toISOString(),
      series: { count: 2, lastObservedTime: new Date(NOW - 2 * 86400 * S).toISOString() },
      type: "Normal",
    };
    assert.deepEqual(cells("core/events", series), [
      "2d",
      "Normal",
      "Event Reason",
      "deployment/Deployment Name",
      "",
      "kubelet, Node1",
      "Message Data",
      "3d",
      2,
      "event2",
    ]);
    const kindOnly = { metadata: { name: "e" }, involvedObject: { kind: "Node" }, message: "  m \n", type: "Warning" };
    assert.deepEqual(cells("core/events", kindOnly), [
      "<unknown>",
      "Warning",
      "",
      "node",
      "",
      "",
      "m",
      "<unknown>",
      1,
      "e",
    ]);
    const v1 = {
      apiVersion: "events.k8s.io/v1",
      metadata: { name: "event3" },
      regarding: { kind: "Pod", name: "web", fieldPath: "spec.containers{app}" },
      reportingController: "ctrl",
      reportingInstance: "i-1",
      deprecatedSource: { component: "kubelet" },
      reason: "Pulled",
      note: "pulled",
      eventTime: new Date(NOW - 300 * S).toISOString(),
      deprecatedFirstTimestamp: ago(600 * S),
      deprecatedCount: 3,
      type: "Normal",
    };
    assert.deepEqual(cells("events.k8s.io/events", v1), [
      "10m",
      "Normal",
      "Pulled",
      "pod/web",
      "spec.containers{app}",
      "kubelet, i-1",
      "pulled",
      "10m",
      3,
      "event3",
    ]);
  });

  it("persistent volumes and claims", () => {
    // TestPrintPersistentVolume and TestPrintPersistentVolumeClaim.
    const pv = {
      metadata: { name: "test1" },
      spec: {
        claimRef: { name: "test", namespace: "default" },
        accessModes: ["ReadOnlyMany", "ReadWriteOnce", "ReadOnlyMany"],
        volumeMode: "Filesystem",
        capacity: { storage: "4Gi" },
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName: "my-scn",
        volumeAttributesClassName: "vac",
      },
      status: { phase: "Bound", reason: "" },
    };
    assert.deepEqual(cells("core/persistentvolumes", pv), [
      "test1",
      "4Gi",
      "RWO,ROX",
      "Retain",
      "Bound",
      "default/test",
      "my-scn",
      "vac",
      "",
      "<unknown>",
      "Filesystem",
    ]);
    assert.deepEqual(
      cells("core/persistentvolumes", {
        metadata: {
          name: "test2",
          deletionTimestamp: ago(S),
          annotations: { "volume.beta.kubernetes.io/storage-class": "beta" },
        },
        spec: { capacity: { storage: "1024Mi" }, storageClassName: "ignored" },
        status: { phase: "Failed", reason: "Recycle failed" },
      }),
      ["test2", "1Gi", "", "", "Terminating", "", "beta", "<unset>", "Recycle failed", "<unknown>", "<unset>"],
    );
    const pvc = {
      metadata: { name: "test1" },
      spec: { volumeName: "my-volume", volumeMode: "Block", storageClassName: "fast" },
      status: { phase: "Bound", capacity: { storage: "4Gi" }, accessModes: ["ReadOnlyMany"] },
    };
    assert.deepEqual(cells("core/persistentvolumeclaims", pvc), [
      "test1",
      "Bound",
      "my-volume",
      "4Gi",
      "ROX",
      "fast",
      "<unset>",
      "<unknown>",
      "Block",
    ]);
    assert.deepEqual(
      cells("core/persistentvolumeclaims", {
        metadata: { name: "test2" },
        spec: { resources: { requests: { storage: "1Gi" } } },
        status: { phase: "Pending", capacity: { storage: "4Gi" }, accessModes: ["ReadOnlyMany"] },
      }),
      ["test2", "Pending", "", "", "", "", "<unset>", "<unknown>", "<unset>"],
    );
  });

  it("resource quotas: requests and limits, sorted by resource", () => {
    // TestPrintResourceQuota.
    const rq = {
      metadata: { name: "test-resourcequota" },
      status: {
        used: {
          cpu: "1",
          "limits.cpu": "2",
          "limits.memory": "1Gi",
          "requests.cpu": "1",
          "requests.memory": "1Gi",
          pods: "1",
        },
        hard: {
          cpu: "100",
          "limits.cpu": "100",
          "limits.memory": "10Gi",
          "requests.cpu": "100",
          "requests.memory": "10Gi",
          pods: "10",
          "count/jobs.batch": "1000",
        },
      },
    };
    assert.deepEqual(cells("core/resourcequotas", rq), [
      "test-resourcequota",
      "count/jobs.batch: 0/1k, cpu: 1/100, pods: 1/10, requests.cpu: 1/100, requests.memory: 1Gi/10Gi",
      "limits.cpu: 2/100, limits.memory: 1Gi/10Gi",
      "<unknown>",
    ]);
  });

  it("pod templates, replication controllers, secrets", () => {
    // TestPrintPodTemplate, TestPrintReplicationController, TestPrintSecret.
    assert.deepEqual(
      cells("core/podtemplates", {
        metadata: { name: "pod-template-1" },
        template: {
          metadata: { labels: { foo: "bar" } },
          spec: { containers: [{ name: "fake-container", image: "fake-image" }] },
        },
      }),
      ["pod-template-1", "fake-container", "fake-image", "foo=bar"],
    );
    assert.deepEqual(cells("core/podtemplates", { metadata: { name: "t" }, template: {} }), ["t", "", "", "<none>"]);
    assert.deepEqual(
      cells("core/replicationcontrollers", {
        metadata: { name: "rc1" },
        spec: {
          replicas: 5,
          selector: { a: "b" },
          template: {
            spec: {
              containers: [
                { name: "test", image: "test_image" },
                { name: "test2", image: "test_image2" },
              ],
            },
          },
        },
        status: { replicas: 3, readyReplicas: 1 },
      }),
      ["rc1", 5, 3, 1, "<unknown>", "test,test2", "test_image,test_image2", "a=b"],
    );
    assert.deepEqual(
      cells("core/secrets", {
        metadata: { name: "s" },
        type: "kubernetes.io/tls",
        data: { a: "", b: "" },
        stringData: { b: "", c: "" },
      }),
      ["s", "kubernetes.io/tls", 3, "<unknown>"],
    );
  });
});

describe("tables: workloads", () => {
  it("deployments, replica sets, stateful sets and daemon sets", () => {
    // TestPrintDeployment, TestPrintReplicaSet, TestPrintStatefulSet, TestPrintDaemonSet.
    const template = {
      spec: {
        containers: [
          { name: "fake-container1", image: "fake-image1" },
          { name: "fake-container2", image: "fake-image2" },
        ],
      },
    };
    assert.deepEqual(
      cells("apps/deployments", {
        metadata: { name: "test1", creationTimestamp: ago(10 * 365 * 86400 * S) },
        spec: { replicas: 5, template, selector: { matchLabels: { foo: "bar" } } },
        status: { replicas: 10, updatedReplicas: 2, availableReplicas: 1, unavailableReplicas: 4 },
      }),
      ["test1", "0/5", 2, 1, "10y", "fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"],
    );
    assert.equal(cells("apps/deployments", { spec: { selector: {} } }).at(-1), "");
    assert.deepEqual(
      cells("apps/replicasets", {
        metadata: { name: "test1" },
        spec: { replicas: 5, template, selector: { matchLabels: { foo: "bar" } } },
        status: { replicas: 5, readyReplicas: 2 },
      }),
      ["test1", 5, 5, 2, "<unknown>", "fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"],
    );
    assert.deepEqual(
      cells("apps/statefulsets", {
        metadata: { name: "test1" },
        spec: { replicas: 5, template },
        status: { replicas: 5, readyReplicas: 2 },
      }),
      ["test1", "2/5", "<unknown>", "fake-container1,fake-container2", "fake-image1,fake-image2"],
    );
    assert.deepEqual(
      cells("apps/daemonsets", {
        metadata: { name: "test1" },
        spec: { template: { ...template, spec: { ...template.spec, nodeSelector: { b: "1", a: "2" } } } },
        status: {
          currentNumberScheduled: 2,
          desiredNumberScheduled: 3,
          numberReady: 1,
          updatedNumberScheduled: 2,
          numberAvailable: 0,
        },
      }),
      [
        "test1",
        3,
        2,
        1,
        2,
        0,
        "a=2,b=1",
        "<unknown>",
        "fake-container1,fake-container2",
        "fake-image1,fake-image2",
        "<none>",
      ],
    );
  });

  it("controller revisions: the controlling owner as kind.group/name", () => {
    // TestPrintControllerRevision.
    const owner = (apiVersion: string, kind: string, controller: boolean) => ({
      metadata: { name: "cr", ownerReferences: [{ apiVersion, kind, name: "foo", controller }] },
      revision: 1,
    });
    assert.deepEqual(cells("apps/controllerrevisions", owner("apps/v1", "DaemonSet", true)), [
      "cr",
      "daemonset.apps/foo",
      1,
      "<unknown>",
    ]);
    assert.equal(cells("apps/controllerrevisions", owner("apps/v1", "DaemonSet", false))[1], "<none>");
    assert.equal(cells("apps/controllerrevisions", owner("v1", "ConfigMap", true))[1], "configmap/foo");
    assert.equal(cells("apps/controllerrevisions", { metadata: { name: "cr" } })[1], "<none>");
  });

  it("jobs: status, completions and duration", () => {
    // TestPrintJob.
    const job = (spec: Record<string, unknown>, status: Record<string, unknown>, metadata = {}) =>
      cells("batch/jobs", {
        metadata: { name: "job1", ...metadata },
        spec: {
          template: { spec: { containers: [{ name: "fake-job-container1", image: "fake-job-image1" }] } },
          ...spec,
        },
        status,
      }).slice(0, 5);
    assert.deepEqual(job({ completions: 2, selector: { matchLabels: { "job-name": "job1" } } }, { succeeded: 1 }), [
      "job1",
      "Running",
      "1/2",
      "",
      "<unknown>",
    ]);
    assert.deepEqual(job({}, { succeeded: 0 }), ["job1", "Running", "0/1", "", "<unknown>"]);
    assert.deepEqual(job({ parallelism: 2 }, { succeeded: 0 }), ["job1", "Running", "0/1 of 2", "", "<unknown>"]);
    assert.deepEqual(job({ completions: 2 }, { succeeded: 0, startTime: ago(10 * 60 * S) }), [
      "job1",
      "Running",
      "0/2",
      "10m",
      "<unknown>",
    ]);
    assert.deepEqual(
      job(
        { completions: 2 },
        {
          succeeded: 2,
          startTime: ago(3 * 3600 * S),
          completionTime: ago(3 * 3600 * S - 31 * 60 * S),
          conditions: [{ type: "Complete", status: "True" }],
        },
      ),
      ["job1", "Complete", "2/2", "31m", "<unknown>"],
    );
    const status = (conditions: unknown[], metadata = {}) => job({}, { conditions }, metadata)[1];
    assert.equal(status([{ type: "Failed", status: "True" }]), "Failed");
    assert.equal(status([], { deletionTimestamp: ago(S) }), "Terminating");
    assert.equal(status([{ type: "Suspended", status: "True" }]), "Suspended");
    assert.equal(status([{ type: "FailureTarget", status: "True" }]), "FailureTarget");
    assert.equal(status([{ type: "SuccessCriteriaMet", status: "True" }]), "SuccessCriteriaMet");
    assert.equal(
      status([
        { type: "Complete", status: "False" },
        { type: "Complete", status: "True" },
      ]),
      "Running",
    );
  });

  it("cron jobs", () => {
    // TestPrintCronJob.
    const cj = (spec: Record<string, unknown>, status: Record<string, unknown>) =>
      cells("batch/cronjobs", {
        metadata: { name: "cronjob1", creationTimestamp: ago(0) },
        spec: {
          schedule: "0/5 * * * ?",
          jobTemplate: {
            spec: {
              template: { spec: { containers: [{ name: "fake-job-container1", image: "fake-job-image1" }] } },
              selector: { matchLabels: { a: "b" } },
            },
          },
          ...spec,
        },
        status,
      });
    assert.deepEqual(cj({ suspend: false }, { lastScheduleTime: ago(0) }), [
      "cronjob1",
      "0/5 * * * ?",
      "<none>",
      "False",
      0,
      "0s",
      "0s",
      "fake-job-container1",
      "fake-job-image1",
      "a=b",
    ]);
    assert.deepEqual(
      cj({ suspend: false, timeZone: "Asia/Tokyo" }, { lastScheduleTime: ago(31 * 60 * S) }).slice(2, 6),
      ["Asia/Tokyo", "False", 0, "31m"],
    );
    assert.deepEqual(cj({}, { active: [{}, {}] }).slice(3, 6), ["<unset>", 2, "<none>"]);
  });

  it("horizontal pod autoscalers: targets per metric type", () => {
    // TestPrintHPA.
    const hpa = (metrics: unknown[] | undefined, currentMetrics?: unknown[], minReplicas: number | null = 2) =>
      cells("autoscaling/horizontalpodautoscalers", {
        metadata: { name: "some-hpa" },
        spec: {
          scaleTargetRef: { kind: "ReplicationController", name: "some-rc" },
          minReplicas,
          maxReplicas: 10,
          metrics,
        },
        status: { currentReplicas: 4, desiredReplicas: 5, currentMetrics },
      });
    assert.deepEqual(hpa(undefined, undefined, null), [
      "some-hpa",
      "ReplicationController/some-rc",
      "<none>",
      "<unset>",
      10,
      4,
      "<unknown>",
    ]);
    const targets = (metrics: unknown[], current?: unknown[]) => hpa(metrics, current)[2];
    const external = (target: unknown) => ({ type: "External", external: { metric: { name: "m" }, target } });
    assert.equal(targets([external({ type: "AverageValue", averageValue: "100m" })]), "<unknown>/100m (avg)");
    assert.equal(
      targets(
        [external({ type: "AverageValue", averageValue: "100m" })],
        [{ type: "External", external: { current: { averageValue: "50m" } } }],
      ),
      "50m/100m (avg)",
    );
    assert.equal(targets([external({ type: "Value", value: "100m" })]), "<unknown>/100m");
    assert.equal(
      targets(
        [external({ type: "Value", value: "100m" })],
        [{ type: "External", external: { current: { value: "50m" } } }],
      ),
      "50m/100m",
    );
    const pods = {
      type: "Pods",
      pods: { metric: { name: "m" }, target: { type: "AverageValue", averageValue: "100m" } },
    };
    assert.equal(targets([pods]), "<unknown>/100m");
    assert.equal(targets([pods], [{ type: "Pods", pods: { current: { averageValue: "50m" } } }]), "50m/100m");
    const object = { type: "Object", object: { metric: { name: "m" }, target: { type: "Value", value: "100m" } } };
    assert.equal(targets([object]), "<unknown>/100m");
    assert.equal(targets([object], [{ type: "Object", object: { current: { value: "50m" } } }]), "50m/100m");
    const cpuValue = {
      type: "Resource",
      resource: { name: "cpu", target: { type: "AverageValue", averageValue: "100m" } },
    };
    assert.equal(targets([cpuValue]), "cpu: <unknown>/100m");
    assert.equal(
      targets([cpuValue], [{ type: "Resource", resource: { name: "cpu", current: { averageValue: "50m" } } }]),
      "cpu: 50m/100m",
    );
    const cpuUtil = {
      type: "Resource",
      resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
    };
    assert.equal(targets([cpuUtil]), "cpu: <unknown>/80%");
    assert.equal(
      targets(
        [cpuUtil],
        [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 50, averageValue: "40m" } } }],
      ),
      "cpu: 50%/80%",
    );
    const containerUtil = {
      type: "ContainerResource",
      containerResource: { name: "cpu", container: "app", target: { type: "Utilization", averageUtilization: 80 } },
    };
    assert.equal(
      targets(
        [containerUtil],
        [{ type: "ContainerResource", containerResource: { name: "cpu", current: { averageUtilization: 50 } } }],
      ),
      "cpu: 50%/80%",
    );
    assert.equal(
      targets([cpuUtil, cpuValue, pods], [{ type: "Resource", resource: { current: { averageUtilization: 50 } } }]),
      "cpu: 50%/80%, cpu: <unknown>/100m + 1 more...",
    );
    assert.equal(
      targets([{ type: "Resource", resource: { name: "memory", target: { type: "Utilization" } } }]),
      "memory: <unknown>/<auto>",
    );
  });

  it("pod disruption budgets", () => {
    // TestPrintPodDisruptionBudget.
    assert.deepEqual(
      cells("policy/poddisruptionbudgets", {
        metadata: { name: "pdb1", creationTimestamp: ago(0) },
        spec: { minAvailable: 22 },
        status: { disruptionsAllowed: 5 },
      }),
      ["pdb1", "22", "N/A", 5, "0s"],
    );
    assert.deepEqual(
      cells("policy/poddisruptionbudgets", { metadata: { name: "pdb2" }, spec: { maxUnavailable: "11%" }, status: {} }),
      ["pdb2", "N/A", "11%", 0, "<unknown>"],
    );
  });
});

describe("tables: networking and the rest", () => {
  it("ingresses and ingress classes", () => {
    // TestPrintIngress and TestPrintIngressClass.
    assert.deepEqual(
      cells("networking.k8s.io/ingresses", {
        metadata: { name: "test1", creationTimestamp: ago(10 * 365 * 86400 * S) },
        spec: {
          ingressClassName: "foo",
          defaultBackend: { service: { name: "default-backend", port: { name: "default-backend" } } },
        },
        status: { loadBalancer: { ingress: [{ ip: "2.3.4.5", hostname: "localhost.localdomain" }] } },
      }),
      ["test1", "foo", "*", "2.3.4.5", "80", "10y"],
    );
    assert.deepEqual(
      cells("networking.k8s.io/ingresses", {
        metadata: { name: "t" },
        spec: { tls: [{}], rules: [{ host: "a" }, {}, { host: "b" }, { host: "c" }, { host: "d" }] },
      }).slice(1, 5),
      ["<none>", "a,b,c + 2 more...", "", "80, 443"],
    );
    const ic = (parameters: unknown) =>
      cells("networking.k8s.io/ingressclasses", {
        metadata: { name: "c" },
        spec: { controller: "example.com/controller", parameters },
      });
    assert.deepEqual(ic({ apiGroup: "example.com", kind: "customgroup", name: "custom" }).slice(1, 3), [
      "example.com/controller",
      "customgroup.example.com/custom",
    ]);
    assert.equal(ic({ kind: "customgroup", name: "custom" })[2], "customgroup/custom");
    assert.equal(ic(undefined)[2], "<none>");
  });

  it("endpoint slices", () => {
    // TestPrintEndpointSlice.
    const es = (o: Record<string, unknown>) =>
      cells("discovery.k8s.io/endpointslices", { metadata: { name: "abcslice.123" }, ...o });
    assert.deepEqual(
      es({
        addressType: "IPv4",
        ports: [{ name: "http", port: 80, protocol: "TCP" }],
        endpoints: [{ addresses: ["10.1.2.3", "2001:db8::1234:5678"] }],
      }),
      ["abcslice.123", "IPv4", "80", "10.1.2.3,2001:db8::1234:5678", "<unknown>"],
    );
    assert.deepEqual(
      es({
        addressType: "IPv6",
        ports: [{ port: 80 }, { port: 443 }],
        endpoints: [{ addresses: ["10.1.2.3", "2001:db8::1234:5678"] }, { addresses: ["10.2.3.4"] }],
      }).slice(1, 4),
      ["IPv6", "80,443", "10.1.2.3,2001:db8::1234:5678,10.2.3.4"],
    );
    assert.deepEqual(
      es({
        addressType: "IPv4",
        ports: [{ port: 80 }, { name: "named" }, {}, { port: 8080 }],
        endpoints: [{ addresses: ["10.1.2.3"] }, { addresses: ["10.2.3.4", "10.2.3.5", "10.2.3.6"] }],
      }).slice(1, 4),
      ["IPv4", "80,named,* + 1 more...", "10.1.2.3,10.2.3.4,10.2.3.5 + 1 more..."],
    );
    assert.deepEqual(es({ addressType: "FQDN", endpoints: [] }).slice(2, 4), ["<unset>", "<unset>"]);
  });

  it("network policies, bindings, storage classes, leases, priority classes", () => {
    // TestPrintNetworkPolicy, TestPrintRoleBinding, TestPrintStorageClass, TestPrintLease, TestPrintPriorityClass.
    assert.deepEqual(
      cells("networking.k8s.io/networkpolicies", {
        metadata: { name: "np2" },
        spec: { podSelector: { matchLabels: { foo: "bar" } } },
      }),
      ["np2", "foo=bar", "<unknown>"],
    );
    assert.equal(cells("networking.k8s.io/networkpolicies", { spec: { podSelector: {} } })[1], "<none>");
    assert.deepEqual(
      cells("rbac.authorization.k8s.io/rolebindings", {
        metadata: { name: "binding1" },
        subjects: [
          { kind: "User", name: "system:kube-controller-manager" },
          { kind: "Group", name: "system:masters" },
          { kind: "ServiceAccount", name: "default", namespace: "kube-system" },
          { kind: "User", name: "alice" },
        ],
        roleRef: { kind: "Role", name: "extension-apiserver-authentication-reader" },
      }),
      [
        "binding1",
        "Role/extension-apiserver-authentication-reader",
        "<unknown>",
        "system:kube-controller-manager, alice",
        "system:masters",
        "kube-system/default",
      ],
    );
    const sc = (o: Record<string, unknown>) =>
      cells("storage.k8s.io/storageclasses", { provisioner: "kubernetes.io/glusterfs", ...o });
    assert.deepEqual(sc({ metadata: { name: "sc1" } }), [
      "sc1",
      "kubernetes.io/glusterfs",
      "Delete",
      "Immediate",
      false,
      "<unknown>",
    ]);
    assert.deepEqual(
      sc({
        metadata: { name: "sc2", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        reclaimPolicy: "Retain",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
      }).slice(0, 5),
      ["sc2 (default)", "kubernetes.io/glusterfs", "Retain", "WaitForFirstConsumer", true],
    );
    assert.equal(
      sc({ metadata: { name: "sc3", annotations: { "storageclass.beta.kubernetes.io/is-default-class": "true" } } })[0],
      "sc3 (default)",
    );
    assert.equal(
      sc({ metadata: { name: "sc4", annotations: { "storageclass.kubernetes.io/is-default-class": "false" } } })[0],
      "sc4",
    );
    assert.deepEqual(
      cells("coordination.k8s.io/leases", { metadata: { name: "lease1" }, spec: { holderIdentity: "holder1" } }),
      ["lease1", "holder1", "<unknown>"],
    );
    assert.deepEqual(
      cells("scheduling.k8s.io/priorityclasses", { metadata: { name: "pc1" }, value: 1, preemptionPolicy: "Never" }),
      ["pc1", 1, false, "<unknown>", "Never"],
    );
  });

  it("storage plumbing: CSI drivers and nodes, volume attachments, attribute classes", () => {
    assert.deepEqual(cells("storage.k8s.io/csidrivers", { metadata: { name: "d" }, spec: {} }), [
      "d",
      true,
      false,
      false,
      "<unset>",
      false,
      "<none>",
      "<unknown>",
    ]);
    assert.deepEqual(
      cells("storage.k8s.io/csidrivers", {
        metadata: { name: "d" },
        spec: {
          attachRequired: false,
          podInfoOnMount: true,
          storageCapacity: true,
          tokenRequests: [{ audience: "a" }, { audience: "" }],
          requiresRepublish: true,
          volumeLifecycleModes: ["Persistent", "Ephemeral"],
        },
      }).slice(1, 7),
      [false, true, true, "a,", true, "Persistent,Ephemeral"],
    );
    assert.deepEqual(cells("storage.k8s.io/csinodes", { metadata: { name: "n" }, spec: { drivers: [{}, {}] } }), [
      "n",
      2,
      "<unknown>",
    ]);
    assert.deepEqual(
      cells("storage.k8s.io/volumeattachments", {
        metadata: { name: "va" },
        spec: { attacher: "csi.example.com", nodeName: "node1", source: { persistentVolumeName: "pv1" } },
      }),
      ["va", "csi.example.com", "pv1", "node1", false, "<unknown>"],
    );
    assert.deepEqual(cells("storage.k8s.io/volumeattributesclasses", { metadata: { name: "gold" }, driverName: "d" }), [
      "gold",
      "d",
      "<unknown>",
    ]);
    assert.deepEqual(cells("node.k8s.io/runtimeclasses", { metadata: { name: "rc" }, handler: "runc" }), [
      "rc",
      "runc",
      "<unknown>",
    ]);
  });

  it("certificate signing requests", () => {
    // TestPrintCertificateSigningRequest.
    const csr = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
      cells("certificates.k8s.io/certificatesigningrequests", { metadata: { name: "csr1" }, spec, status });
    assert.deepEqual(csr({}), ["csr1", "<unknown>", "<none>", "", "<none>", "Pending"]);
    assert.deepEqual(
      csr({ username: "CSRRequestor", signerName: "example.com/test-signer" }, { conditions: [{ type: "Approved" }] }),
      ["csr1", "<unknown>", "example.com/test-signer", "CSRRequestor", "<none>", "Approved"],
    );
    assert.equal(csr({ expirationSeconds: 7 * 24 * 3600 })[4], "7d");
    assert.equal(csr({ expirationSeconds: 600 })[4], "10m");
    const condition = (types: string[], certificate?: string) =>
      csr({}, { conditions: types.map((type) => ({ type })), ...(certificate ? { certificate } : {}) })[5];
    assert.equal(condition(["Approved"], "Y2VydA=="), "Approved,Issued");
    assert.equal(condition(["Approved", "Denied"]), "Denied");
    assert.equal(condition(["Denied"], "Y2VydA=="), "Denied,Issued");
    assert.equal(condition(["Approved", "Failed"]), "Approved,Failed");
  });

  it("resource.k8s.io kinds", () => {
    // TestPrintResourceClaim and TestPrintResourceSlice.
    const claim = (metadata: Record<string, unknown>, status: Record<string, unknown>) =>
      cells("resource.k8s.io/resourceclaims", { metadata: { name: "c", ...metadata }, status })[1];
    assert.equal(claim({}, {}), "pending");
    assert.equal(claim({ deletionTimestamp: ago(S) }, {}), "deleted");
    assert.equal(claim({}, { allocation: {} }), "allocated");
    assert.equal(claim({}, { allocation: {}, reservedFor: [{}] }), "allocated,reserved");
    assert.equal(
      claim({ deletionTimestamp: ago(S) }, { allocation: {}, reservedFor: [{}] }),
      "deleted,allocated,reserved",
    );
    assert.deepEqual(
      cells("resource.k8s.io/resourceslices", {
        metadata: { name: "s" },
        spec: { nodeName: "n", driver: "d", pool: { name: "p" } },
      }),
      ["s", "n", "d", "p", "<unknown>"],
    );
    assert.deepEqual(cells("resource.k8s.io/deviceclasses", { metadata: { name: "dc" } }), ["dc", "<unknown>"]);
    assert.deepEqual(cells("resource.k8s.io/resourceclaimtemplates", { metadata: { name: "t" } }), ["t", "<unknown>"]);
  });
});
