import assert from "node:assert/strict";
import {
  componentStatuses,
  deprecationWarning,
  type Lifecycle,
  lookupResource,
  requestWarnings,
  resourceTypes,
} from "../src/resources.ts";

describe("deprecation warnings from the resource table (kube's deprecation.WarningMessage)", () => {
  const kind = (group: string, version: string, k: string, lifecycle?: Lifecycle) => ({
    group,
    version,
    kind: k,
    ...(lifecycle ? { lifecycle } : {}),
  });
  const cases: [string, ReturnType<typeof kind>, [number, number], string | undefined][] = [
    [
      "v1 Endpoints in 1.35: deprecated since 1.33, with its replacement",
      kind("", "v1", "Endpoints", {
        deprecated: [1, 33],
        replacement: { group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice" },
      }),
      [1, 35],
      "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
    ],
    [
      "the release it is deprecated in warns",
      kind("", "v1", "Endpoints", { deprecated: [1, 33] }),
      [1, 33],
      "v1 Endpoints is deprecated in v1.33+",
    ],
    ["an older release does not", kind("", "v1", "Endpoints", { deprecated: [1, 33] }), [1, 32], undefined],
    ["a later major does not", kind("x.io", "v1", "Thing", { deprecated: [2, 0] }), [1, 35], undefined],
    [
      "a removal release and a grouped replacement",
      kind("flowcontrol.apiserver.k8s.io", "v1beta3", "FlowSchema", {
        deprecated: [1, 29],
        removed: [1, 32],
        replacement: { group: "flowcontrol.apiserver.k8s.io", version: "v1", kind: "FlowSchema" },
      }),
      [1, 30],
      "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is deprecated in v1.29+, unavailable in v1.32+; use flowcontrol.apiserver.k8s.io/v1 FlowSchema",
    ],
    ["no lifecycle: no warning", kind("apps", "v1", "Deployment"), [1, 35], undefined],
  ];
  for (const [name, t, release, want] of cases) it(name, () => assert.equal(deprecationWarning(t, release), want));

  it("warns on Endpoints and ComponentStatus and on no other built-in kind", () => {
    const warned = [...resourceTypes, componentStatuses]
      .filter((t) => requestWarnings(t).length > 0)
      .map((t) => [`${t.group}/${t.version}/${t.resource}`, requestWarnings(t)]);
    assert.deepEqual(warned, [
      ["/v1/endpoints", ["v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"]],
      ["/v1/componentstatuses", ["v1 ComponentStatus is deprecated in v1.19+"]],
    ]);
  });

  it("a custom resource's deprecated version tells its own warning", () => {
    const cr = {
      ...(lookupResource("apps", "v1", "deployments") as (typeof resourceTypes)[number]),
      behaviour: { warnings: ["example.com/v1 Widget is deprecated"] },
    };
    assert.deepEqual(requestWarnings(cr as never), ["example.com/v1 Widget is deprecated"]);
  });
});
