import assert from "node:assert/strict";
import { IPS, normaliser, RESOURCE_VERSIONS, type ServerClient, TIMES, UIDS, useSideBySide } from "@evk/testing";

const AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
const KUBECTL_ACCEPT = `${AGGREGATED},application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json`;

/**
 * What kube-apiserver 1.35 serves and evk does not, per group-version: the pod and node subresources that reach
 * into a kubelet or proxy. Anything else kube lists must be served by evk exactly as kube lists it.
 */
const NOT_SERVED: Record<string, string[]> = {
  v1: ["nodes/proxy", "pods/proxy", "services/proxy"],
};

/** A discovery document, its status and media type. */
async function get(s: ServerClient, path: string, accept = "application/json") {
  const r = await s.request("GET", path, { accept });
  return { status: r.status, type: String(r.headers["content-type"]), body: JSON.parse(r.body) as unknown };
}

type Resource = { name: string } & Record<string, unknown>;
type DiscoveredResource = { resource: string } & Record<string, unknown>;
type Doc = {
  kind: string;
  apiVersion: string;
  items: {
    metadata: { name?: string };
    versions: { version: string; freshness: string; resources: DiscoveredResource[] }[];
  }[];
};

describe("compat: discovery (legacy and aggregated) against kube-apiserver", function () {
  this.timeout(120_000);
  // Discovery uses nothing of the host's OpenAPI documents: evk runs without them.
  const sides = useSideBySide({ cluster: "discovery", apiserver: { hostOpenApi: false } });

  const groupVersions = async (c: ServerClient) => {
    const apis = (await get(c, "/apis")).body as { groups: { versions: { groupVersion: string }[] }[] };
    return ["v1", ...apis.groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
  };
  const path = (gv: string) => (gv === "v1" ? "/api/v1" : `/apis/${gv}`);

  it("every group-version evk serves lists each resource exactly as kube does; kube's others are the known ones", async () => {
    const differences: string[] = [];
    const kubeGVs = await groupVersions(sides.kube);
    const ourGVs = await groupVersions(sides.evk);
    for (const gv of ourGVs) if (!kubeGVs.includes(gv)) differences.push(`${gv}: served by evk only`);
    for (const gv of kubeGVs) {
      const skip = NOT_SERVED[gv] ?? [];
      if (skip.includes("*")) {
        if (ourGVs.includes(gv)) differences.push(`${gv}: now served; take it off NOT_SERVED`);
        continue;
      }
      if (!ourGVs.includes(gv)) {
        differences.push(`${gv}: not served by evk`);
        continue;
      }
      const theirs = ((await get(sides.kube, path(gv))).body as { resources: Resource[] }).resources;
      const mine = ((await get(sides.evk, path(gv))).body as { resources: Resource[] }).resources;
      for (const r of theirs) {
        const m = mine.find((x) => x.name === r.name);
        if (!m) {
          if (!skip.includes(r.name)) differences.push(`${gv} ${r.name}: missing in evk`);
          continue;
        }
        if (skip.includes(r.name)) differences.push(`${gv} ${r.name}: now served; take it off NOT_SERVED`);
        try {
          assert.deepEqual(m, r);
        } catch {
          differences.push(`${gv} ${r.name}:\n  kube ${JSON.stringify(r)}\n  evk  ${JSON.stringify(m)}`);
        }
      }
      for (const m of mine)
        if (!theirs.some((r) => r.name === m.name)) differences.push(`${gv} ${m.name}: served by evk only`);
    }
    assert.deepEqual(differences, [], differences.join("\n"));
  });

  it("aggregated discovery (what kubectl asks first) says the same as kube's for what evk serves", async () => {
    const differences: string[] = [];
    for (const p of ["/api", "/apis"]) {
      const [k, e] = await Promise.all([get(sides.kube, p, KUBECTL_ACCEPT), get(sides.evk, p, KUBECTL_ACCEPT)]);
      assert.equal(e.status, 200);
      assert.equal(e.type, k.type);
      const kd = k.body as Doc;
      const ed = e.body as Doc;
      assert.equal(ed.kind, kd.kind);
      assert.equal(ed.apiVersion, kd.apiVersion);
      for (const g of ed.items) {
        const kg = kd.items.find((x) => x.metadata.name === g.metadata.name);
        if (!kg) {
          differences.push(`${p} group ${g.metadata.name}: evk only`);
          continue;
        }
        for (const v of g.versions) {
          const gv = g.metadata.name ? `${g.metadata.name}/${v.version}` : v.version;
          const kv: Doc["items"][number]["versions"][number] | undefined = kg.versions.find(
            (x) => x.version === v.version,
          );
          if (!kv) {
            differences.push(`${gv}: evk only`);
            continue;
          }
          assert.equal(v.freshness, kv.freshness);
          const skip = NOT_SERVED[gv] ?? [];
          for (const r of v.resources) {
            const kr: DiscoveredResource | undefined = kv.resources.find((x) => x.resource === r.resource);
            // Subresources evk does not serve are left out of kube's entry before comparing.
            const subs: { subresource: string }[] | undefined = (
              kr?.subresources as { subresource: string }[] | undefined
            )?.filter((s) => !skip.includes(`${r.resource}/${s.subresource}`));
            const want: Record<string, unknown> | undefined = kr && { ...kr, ...(subs ? { subresources: subs } : {}) };
            try {
              assert.deepEqual(r, want);
            } catch {
              differences.push(`${gv} ${r.resource}:\n  kube ${JSON.stringify(want)}\n  evk  ${JSON.stringify(r)}`);
            }
          }
        }
      }
    }
    assert.deepEqual(differences, [], differences.join("\n"));
  });

  it("a client that does not ask for aggregated discovery gets the legacy documents", async () => {
    const r = await get(sides.evk, "/apis", "application/json");
    assert.equal(r.type, "application/json");
    assert.equal((r.body as { kind: string }).kind, "APIGroupList");
  });

  it("the objects a new cluster starts with are kube-apiserver's own, whole (managedFields included)", async () => {
    // Each server's own address and port are configuration.
    const normalise = normaliser(UIDS, TIMES, RESOURCE_VERSIONS, IPS, [/"(targetPort|port)":\d{4,5}\b/g, '"$1":0']);
    const paths = [
      ...["default", "kube-system", "kube-public", "kube-node-lease"].map((n) => `/api/v1/namespaces/${n}`),
      "/api/v1/namespaces/default/services/kubernetes",
      "/api/v1/namespaces/default/endpoints/kubernetes",
      "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes",
    ];
    for (const p of paths) {
      const [kube, evk] = await sides.onBoth(async (s) =>
        JSON.parse(normalise(JSON.stringify((await get(s, p)).body))),
      );
      assert.deepEqual(evk, kube, p);
    }
  });
});
