import assert from "node:assert/strict";
import { normaliser, type RawReply, UIDS, useSideBySide, waitFor } from "@evk/testing";

// The same bad requests, sent raw to evk-apiserver and to the host's kube-apiserver 1.35: both must answer
// with the same HTTP status and the same Status (reason, code, message, details), up to data that is the
// server's own (uids, resource versions, generated names).

const NS = "bad-input";
const ENDING = "bad-input-ending";

/** One bad request. */
interface Case {
  name: string;
  method: string;
  path: string;
  body?: string | Buffer;
  /** Defaults to application/json when there is a body. */
  contentType?: string;
  /** Server-specific data this row's answers may differ in (applied to both before comparing). */
  normalise?: (text: string) => string;
  /** Compare only the HTTP status: the real server's body is no Status here (see the row). */
  statusOnly?: boolean;
}

const json = (o: unknown) => JSON.stringify(o);
const cm = (metadata: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  json({ apiVersion: "v1", kind: "ConfigMap", metadata, ...extra });
const cms = `/api/v1/namespaces/${NS}/configmaps`;
const pods = `/api/v1/namespaces/${NS}/pods`;
const leases = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
const token = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
/** Names generated from generateName end in five random characters. */
const generated = (prefix: string) => (t: string) =>
  t.replaceAll(new RegExp(`${prefix}[a-z0-9]{5}`, "g"), `${prefix}<random>`);
/** A resource version the server itself chose. */
const rvs = (t: string) =>
  t
    .replace(/current: \d+/g, "current: <rv>")
    .replace(/(ResourceVersion in record|ResourceVersion in object meta:) \(?\d+\)?/g, "$1 <rv>");
/** go-yaml words its syntax errors its own way: what is compared is that it is one, and the body quoted. */
const yamlError = (t: string) => t.replace(/yaml: .* \(([0-9a-f]+(?: \.\.\.)?)\)/g, "yaml: <error> ($1)");

function cases(): Case[] {
  const long = "a".repeat(254);
  return [
    // Bodies that do not decode.
    { name: "malformed JSON: truncated", method: "POST", path: cms, body: '{"apiVersion":"v1","kind":"ConfigMap",' },
    { name: "malformed JSON: trailing comma", method: "POST", path: cms, body: '{"metadata":{"name":"x",}}' },
    { name: "malformed JSON: unquoted key", method: "POST", path: cms, body: '{apiVersion:"v1"}' },
    { name: "malformed JSON: bad literal", method: "POST", path: cms, body: '{"data":{"a":tru}}' },
    { name: "malformed JSON: text after the object", method: "POST", path: cms, body: `${cm({ name: "x" })} x` },
    { name: "malformed JSON: leading zero", method: "POST", path: cms, body: '{"data":{"a":01}}' },
    { name: "malformed JSON: control character in string", method: "POST", path: cms, body: '{"a":"\u0001"}' },
    { name: "malformed JSON: unterminated string", method: "POST", path: cms, body: '{"metadata":{"name":"x}}' },
    { name: "JSON that is not an object", method: "POST", path: cms, body: "[]" },
    { name: "empty body", method: "POST", path: cms, body: "" },
    {
      name: "malformed YAML",
      method: "POST",
      path: cms,
      contentType: "application/yaml",
      body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n",
      normalise: yamlError,
    },
    {
      name: "YAML body (accepted)",
      method: "POST",
      path: cms,
      contentType: "application/yaml",
      body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n",
    },
    {
      name: "unsupported body media type",
      method: "POST",
      path: cms,
      contentType: "text/plain",
      body: cm({ name: "x" }),
    },
    {
      name: "unsupported media type on update",
      method: "PUT",
      path: `${cms}/cm`,
      contentType: "text/plain",
      body: cm({ name: "cm" }),
    },
    // What the body says it is.
    {
      name: "kind does not match the URL",
      method: "POST",
      path: cms,
      body: json({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" } }),
    },
    {
      name: "unknown kind",
      method: "POST",
      path: cms,
      body: json({ apiVersion: "v1", kind: "Bogus", metadata: { name: "x" } }),
    },
    {
      name: "unknown apiVersion",
      method: "POST",
      path: cms,
      body: json({ apiVersion: "v2", kind: "ConfigMap", metadata: { name: "x" } }),
    },
    {
      name: "apiVersion of another group",
      method: "POST",
      path: cms,
      body: json({ apiVersion: "apps/v1", kind: "ConfigMap", metadata: { name: "x" } }),
    },
    {
      name: "namespace in body differs from the URL",
      method: "POST",
      path: cms,
      body: cm({ name: "x", namespace: "other" }),
    },
    // Names.
    { name: "name: uppercase", method: "POST", path: cms, body: cm({ name: "Upper" }) },
    { name: "name: too long", method: "POST", path: cms, body: cm({ name: long }) },
    { name: "name: bad characters", method: "POST", path: cms, body: cm({ name: "a_b" }) },
    { name: "name: missing", method: "POST", path: cms, body: cm({}) },
    {
      name: "generateName: bad characters",
      method: "POST",
      path: cms,
      body: cm({ generateName: "Bad_" }),
      normalise: generated("Bad_"),
    },
    {
      name: "cluster-scoped name: uppercase",
      method: "POST",
      path: "/api/v1/namespaces",
      body: json({ apiVersion: "v1", kind: "Namespace", metadata: { name: "Upper" } }),
    },
    {
      name: "cluster-scoped name: dots in a label name",
      method: "POST",
      path: "/api/v1/namespaces",
      body: json({ apiVersion: "v1", kind: "Namespace", metadata: { name: "a.b" } }),
    },
    {
      name: "cluster-scoped name: too long",
      method: "POST",
      path: "/api/v1/namespaces",
      body: json({ apiVersion: "v1", kind: "Namespace", metadata: { name: "n".repeat(64) } }),
    },
    {
      name: "cluster-scoped name: path segment",
      method: "POST",
      path: "/apis/rbac.authorization.k8s.io/v1/clusterroles",
      body: json({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "a/b" } }),
    },
    // Namespaces.
    {
      name: "create in a missing namespace",
      method: "POST",
      path: "/api/v1/namespaces/no-such-ns/configmaps",
      body: cm({ name: "x" }),
    },
    {
      name: "create in a terminating namespace",
      method: "POST",
      path: `/api/v1/namespaces/${ENDING}/configmaps`,
      body: cm({ name: "x" }),
    },
    // Size.
    {
      name: "body over 3 MiB",
      method: "POST",
      path: cms,
      body: cm({ name: "big" }, { data: { a: "x".repeat(3 * 1024 * 1024) } }),
    },
    // Field validation.
    {
      name: "unknown fields, Strict",
      method: "POST",
      path: `${cms}?fieldValidation=Strict`,
      body: cm({ name: "strict" }, { bogus: 1, spec: { x: 1 } }),
    },
    {
      name: "duplicate fields, Strict",
      method: "POST",
      path: `${cms}?fieldValidation=Strict`,
      body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d1","name":"d2"},"data":{"a":"1","a":"2"},"bogus":1}',
    },
    {
      name: "unknown field before a duplicate, Strict",
      method: "POST",
      path: `${cms}?fieldValidation=Strict`,
      body: '{"apiVersion":"v1","kind":"ConfigMap","bogus":1,"metadata":{"name":"d1","labels":{"a":"b","a":"c"}}}',
    },
    {
      name: "unknown and duplicate fields, Warn (the default): created, with a warning each",
      method: "POST",
      path: cms,
      body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warned","name":"warned"},"bogus":1}',
    },
    {
      name: "unknown fields in YAML, Strict",
      method: "POST",
      path: `${cms}?fieldValidation=Strict`,
      contentType: "application/yaml",
      body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-strict\n  bogus: 1\n",
    },
    {
      name: "unknown fields in an update, Strict",
      method: "PUT",
      path: `${cms}/cm?fieldValidation=Strict`,
      body: cm({ name: "cm" }, { spec: {} }),
    },
    {
      name: "unsupported fieldValidation",
      method: "POST",
      path: `${cms}?fieldValidation=Bogus`,
      body: cm({ name: "x" }),
    },
    // Selectors.
    {
      name: "label selector: unterminated set",
      method: "GET",
      path: `${cms}?labelSelector=${encodeURIComponent("app in (a")}`,
    },
    {
      name: "label selector: bad operator",
      method: "GET",
      path: `${cms}?labelSelector=${encodeURIComponent("a===b")}`,
    },
    { name: "label selector: bad value", method: "GET", path: `${cms}?labelSelector=${encodeURIComponent("a=b c")}` },
    { name: "field selector: no operator", method: "GET", path: `${cms}?fieldSelector=metadata.name` },
    {
      name: "field selector: unknown field of a kind without field labels",
      method: "GET",
      path: `${cms}?fieldSelector=spec.nodeName%3Dx`,
    },
    {
      name: "field selector: unknown field of services",
      method: "GET",
      path: `/api/v1/namespaces/${NS}/services?fieldSelector=spec.ports%3Dx`,
    },
    { name: "field selector: unknown field of pods", method: "GET", path: `${pods}?fieldSelector=spec.bogus%3Dx` },
    {
      name: "field selector: metadata.namespace of namespaces",
      method: "GET",
      path: "/api/v1/namespaces?fieldSelector=metadata.namespace%3Dx",
    },
    {
      name: "field selector: unknown field of jobs",
      method: "GET",
      path: `/apis/batch/v1/namespaces/${NS}/jobs?fieldSelector=spec.x%3Dy`,
    },
    {
      name: "field selector: unknown field on watch",
      method: "GET",
      path: `${cms}?watch=true&timeoutSeconds=1&fieldSelector=data.x%3Dy`,
    },
    // continue tokens.
    { name: "continue: not base64 JSON", method: "GET", path: `${cms}?limit=1&continue=garbage` },
    {
      name: "continue: not JSON",
      method: "GET",
      path: `${cms}?limit=1&continue=${Buffer.from("nope").toString("base64url")}`,
    },
    {
      name: "continue: unknown version",
      method: "GET",
      path: `${cms}?limit=1&continue=${token({ v: "meta.k8s.io/v0", rv: 1, start: "x" })}`,
    },
    {
      name: "continue: no resource version",
      method: "GET",
      path: `${cms}?limit=1&continue=${token({ v: "meta.k8s.io/v1", start: "x" })}`,
    },
    {
      name: "continue: empty start",
      method: "GET",
      path: `${cms}?limit=1&continue=${token({ v: "meta.k8s.io/v1", rv: 5, start: "" })}`,
    },
    {
      name: "continue: path traversal",
      method: "GET",
      path: `${cms}?limit=1&continue=${token({ v: "meta.k8s.io/v1", rv: 5, start: "../x" })}`,
    },
    {
      name: "continue with a resourceVersion",
      method: "GET",
      path: `${cms}?limit=1&resourceVersion=5&continue=${token({ v: "meta.k8s.io/v1", rv: 5, start: "x" })}`,
    },
    // resourceVersion and resourceVersionMatch.
    {
      name: "resourceVersionMatch: unknown",
      method: "GET",
      path: `${cms}?resourceVersion=1&resourceVersionMatch=Bogus`,
    },
    { name: "resourceVersionMatch without resourceVersion", method: "GET", path: `${cms}?resourceVersionMatch=Exact` },
    {
      name: "resourceVersionMatch=Exact with resourceVersion=0",
      method: "GET",
      path: `${cms}?resourceVersion=0&resourceVersionMatch=Exact`,
    },
    {
      name: "resourceVersionMatch with continue",
      method: "GET",
      path: `${cms}?resourceVersion=1&resourceVersionMatch=NotOlderThan&continue=${token({ v: "meta.k8s.io/v1", rv: 5, start: "x" })}`,
    },
    {
      name: "resourceVersionMatch on a watch",
      method: "GET",
      path: `${cms}?watch=true&timeoutSeconds=1&resourceVersion=1&resourceVersionMatch=NotOlderThan`,
    },
    {
      name: "sendInitialEvents without resourceVersionMatch",
      method: "GET",
      path: `${cms}?watch=true&timeoutSeconds=1&sendInitialEvents=true`,
    },
    {
      name: "sendInitialEvents on a list",
      method: "GET",
      path: `${cms}?sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=1`,
    },
    { name: "resourceVersion: not a number (list)", method: "GET", path: `${cms}?resourceVersion=abc` },
    { name: "resourceVersion: negative (list)", method: "GET", path: `${cms}?resourceVersion=-1` },
    { name: "resourceVersion: not a number (paged list)", method: "GET", path: `${cms}?limit=1&resourceVersion=abc` },
    {
      name: "resourceVersion: not a number (watch)",
      method: "GET",
      path: `${cms}?watch=true&timeoutSeconds=1&resourceVersion=abc`,
    },
    { name: "resourceVersion: not a number (get)", method: "GET", path: `${cms}/cm?resourceVersion=abc` },
    { name: "resourceVersion: too large", method: "GET", path: `${cms}?resourceVersion=999999999`, normalise: rvs },
    // Patches.
    {
      name: "patch: unsupported media type",
      method: "PATCH",
      path: `${cms}/cm`,
      contentType: "text/plain",
      body: "{}",
    },
    {
      name: "patch: application/json",
      method: "PATCH",
      path: `${cms}/cm`,
      contentType: "application/json",
      body: "{}",
    },
    {
      name: "patch: malformed merge patch",
      method: "PATCH",
      path: `${cms}/cm`,
      contentType: "application/merge-patch+json",
      body: '{"data":',
    },
    {
      name: "patch: malformed JSON patch",
      method: "PATCH",
      path: `${cms}/cm`,
      contentType: "application/json-patch+json",
      body: '[{"op":',
    },
    {
      name: "patch: malformed strategic merge patch",
      method: "PATCH",
      path: `${cms}/cm`,
      contentType: "application/strategic-merge-patch+json",
      body: '{"data":{"a":x}}',
    },
    {
      name: "patch: missing object",
      method: "PATCH",
      path: `${cms}/missing`,
      contentType: "application/merge-patch+json",
      body: "{}",
    },
    // Updates.
    {
      name: "update without resourceVersion of a kind that requires one",
      method: "PUT",
      path: `${leases}/lease`,
      body: json({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "lease" } }),
    },
    {
      name: "update with resourceVersion 0 of a kind that requires one",
      method: "PUT",
      path: `${leases}/lease`,
      body: json({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "lease", resourceVersion: "0" },
      }),
    },
    {
      name: "update with a stale resourceVersion",
      method: "PUT",
      path: `${cms}/cm`,
      body: cm({ name: "cm", resourceVersion: "1" }),
    },
    {
      name: "update with a resourceVersion that is no number",
      method: "PUT",
      path: `${cms}/cm`,
      body: cm({ name: "cm", resourceVersion: "abc" }),
    },
    { name: "update with another name", method: "PUT", path: `${cms}/cm`, body: cm({ name: "other" }) },
    { name: "update of a missing object", method: "PUT", path: `${cms}/missing`, body: cm({ name: "missing" }) },
    // Deletes.
    {
      name: "delete with a wrong UID precondition",
      method: "DELETE",
      path: `${cms}/cm`,
      body: json({ preconditions: { uid: "00000000-0000-0000-0000-000000000000" } }),
    },
    {
      name: "delete with a stale resourceVersion precondition",
      method: "DELETE",
      path: `${cms}/cm`,
      body: json({ preconditions: { resourceVersion: "1" } }),
      normalise: rvs,
    },
    {
      name: "delete with an unknown propagationPolicy",
      method: "DELETE",
      path: `${cms}/cm?propagationPolicy=Sideways`,
    },
    // What is not there.
    { name: "unknown resource", method: "GET", path: `/api/v1/namespaces/${NS}/bogus` },
    { name: "unknown version of a group", method: "GET", path: "/apis/apps/v9/deployments" },
    // kube-apiserver answers paths of groups it does not serve with a plain-text "404 page not found" (from its
    // mux, before any API handler); evk answers with the Status client-go would make of that 404.
    { name: "unknown group", method: "GET", path: "/apis/bogus.example.com/v1/things", statusOnly: true },
    { name: "unknown subresource", method: "GET", path: `${cms}/cm/status` },
    {
      name: "namespaced resource without a namespace in a cluster-scoped path",
      method: "GET",
      path: "/api/v1/namespaces/default/nodes",
    },
    // Methods a resource does not allow.
    { name: "POST to an object", method: "POST", path: `${cms}/cm`, body: cm({ name: "cm" }) },
    { name: "PUT to a collection", method: "PUT", path: cms, body: cm({ name: "cm" }) },
    {
      name: "PATCH to a collection",
      method: "PATCH",
      path: cms,
      contentType: "application/merge-patch+json",
      body: "{}",
    },
    { name: "DELETE of the namespaces collection", method: "DELETE", path: "/api/v1/namespaces" },
    { name: "POST to pods/status", method: "POST", path: `${pods}/p/status`, body: "{}" },
    { name: "GET of a create-only resource", method: "GET", path: "/apis/authentication.k8s.io/v1/selfsubjectreviews" },
    {
      name: "watch of a create-only resource",
      method: "GET",
      path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews?watch=true",
    },
  ];
}

/** What is compared of one answer. */
function summary(r: RawReply, statusOnly: boolean): string {
  if (statusOnly) return `HTTP ${r.status}`;
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(r.body) as Record<string, unknown>;
  } catch {
    return `HTTP ${r.status}, body is no JSON document`;
  }
  const warnings = ([] as string[]).concat(r.headers.warning ?? []);
  if (body?.kind !== "Status") {
    const meta = (body?.metadata ?? {}) as Record<string, unknown>;
    return JSON.stringify({ http: r.status, kind: body?.kind, name: meta.name, warnings });
  }
  // An empty details object says nothing more than none.
  const details = body.details && Object.keys(body.details).length > 0 ? body.details : undefined;
  const meta = body.metadata && Object.keys(body.metadata).length > 0 ? body.metadata : undefined;
  const { status, reason, code, message } = body;
  return JSON.stringify({ http: r.status, status, reason, code, message, details, metadata: meta, warnings }, null, 1);
}

const uids = normaliser(UIDS);

describe("compat: bad input gets the same answer from evk-apiserver and kube-apiserver", function () {
  this.timeout(240_000);
  const sides = useSideBySide({ cluster: "badinput" });

  before(async () => {
    for (const s of sides.both) {
      await s.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
      await s.json("POST", cms, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { a: "1" } });
      await s.json("POST", leases, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "lease" },
      });
      // A finalizer nobody removes keeps the namespace Terminating once it is deleted.
      await s.json("POST", "/api/v1/namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ENDING, finalizers: ["example.com/hold"] },
      });
      await s.json("DELETE", `/api/v1/namespaces/${ENDING}`);
    }
  });

  it("answers every bad request as kube-apiserver does", async () => {
    const differences: string[] = [];
    for (const c of cases()) {
      const opts = {
        ...(c.body !== undefined ? { body: c.body, contentType: c.contentType ?? "application/json" } : {}),
        ...(c.body === undefined && c.contentType ? { contentType: c.contentType } : {}),
      };
      const [kube, ours] = await sides.onBoth((s) => s.request(c.method, c.path, { ...opts, timeoutMs: 15_000 }));
      const show = (r: RawReply) => (c.normalise ?? ((t: string) => t))(uids(summary(r, c.statusOnly ?? false)));
      const [k, e] = [show(kube), show(ours)];
      if (k !== e)
        differences.push(`${c.name}: ${c.method} ${c.path.slice(0, 160)}\n--- kube-apiserver\n${k}\n--- evk\n${e}`);
    }
    assert.deepEqual(differences, [], `\n${differences.length} rows differ:\n\n${differences.join("\n\n")}`);
  });

  it("pages a list with a selector as kube does: each page filled to the limit, the same continue tokens", async () => {
    const ns = "paging";
    for (const s of sides.both) {
      await s.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
      for (let i = 1; i <= 11; i++)
        await s.json("POST", `/api/v1/namespaces/${ns}/configmaps`, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: `c${String(i).padStart(2, "0")}`, labels: { pick: String(i % 3 === 0) } },
        });
    }
    // Each server's controller adds its CA ConfigMap to the namespace: the lists wait for it on both.
    for (const s of sides.both)
      await waitFor(
        `${s.name}: kube-root-ca.crt in ${ns}`,
        async () => (await s.request("GET", `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`)).status === 200,
        30_000,
        200,
      );
    /** Every page of a list: its names, where its continue token starts, remainingItemCount; or the error. */
    const walk = async (s: (typeof sides.both)[number], query: string) => {
      const pages: unknown[] = [];
      let cont = "";
      for (let n = 0; n < 10; n++) {
        const r = await s.request("GET", `/api/v1/${query}${cont ? `&continue=${cont}` : ""}`);
        if (r.status !== 200) return [...pages, `${r.status} ${r.body}`];
        const list = JSON.parse(r.body) as {
          metadata: { continue?: string; remainingItemCount?: number };
          items: { metadata: { name: string } }[];
        };
        const token = list.metadata.continue;
        pages.push({
          names: list.items.map((i) => i.metadata.name),
          // The token's revision is each server's own.
          start: token && (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { start: string }).start,
          remaining: list.metadata.remainingItemCount,
        });
        if (!token) break;
        cont = token;
      }
      return pages;
    };
    const queries = [
      `namespaces/${ns}/configmaps?limit=2&labelSelector=pick%3Dtrue`,
      `namespaces/${ns}/configmaps?limit=3&labelSelector=pick%3Dtrue`,
      `namespaces/${ns}/configmaps?limit=4&labelSelector=pick%21%3Dtrue`,
      // One name in a namespace is one key, listed alone; across namespaces it is a filter like any other.
      `namespaces/${ns}/configmaps?limit=1&fieldSelector=metadata.name%3Dc05`,
      "configmaps?limit=1&fieldSelector=metadata.name%3Dc05",
      `namespaces/${ns}/configmaps?limit=5`,
      "configmaps?limit=2&labelSelector=pick%3Dtrue",
      // resourceVersion=0 is served whole from the cache, whatever the limit.
      `namespaces/${ns}/configmaps?limit=2&resourceVersion=0&labelSelector=pick%3Dtrue`,
    ];
    const differences: string[] = [];
    for (const q of queries) {
      const [kube, evk] = await sides.onBoth((s) => walk(s, q));
      if (JSON.stringify(kube) !== JSON.stringify(evk))
        differences.push(`${q}\n--- kube-apiserver\n${JSON.stringify(kube)}\n--- evk\n${JSON.stringify(evk)}`);
    }
    assert.deepEqual(differences, [], `\n${differences.join("\n\n")}`);
  });
});
