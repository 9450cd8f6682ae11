import assert from "node:assert/strict";
import { parseRequest, type RequestInfo } from "../src/request-info.ts";

const cases: [string, string, string, RequestInfo][] = [
  [
    "GET",
    "/api/v1/namespaces/default/pods",
    "",
    { kind: "resource", verb: "list", group: "", version: "v1", resource: "pods", namespace: "default" },
  ],
  [
    "GET",
    "/api/v1/namespaces/default/pods/web",
    "",
    { kind: "resource", verb: "get", group: "", version: "v1", resource: "pods", namespace: "default", name: "web" },
  ],
  [
    "GET",
    "/api/v1/namespaces/default/pods",
    "watch=true",
    { kind: "resource", verb: "watch", group: "", version: "v1", resource: "pods", namespace: "default" },
  ],
  ["GET", "/api/v1/pods", "", { kind: "resource", verb: "list", group: "", version: "v1", resource: "pods" }],
  [
    "PUT",
    "/api/v1/namespaces/default/pods/web/status",
    "",
    {
      kind: "resource",
      verb: "update",
      group: "",
      version: "v1",
      resource: "pods",
      namespace: "default",
      name: "web",
      subresource: "status",
    },
  ],
  [
    "POST",
    "/api/v1/namespaces/ns1/pods/web/binding",
    "",
    {
      kind: "resource",
      verb: "create",
      group: "",
      version: "v1",
      resource: "pods",
      namespace: "ns1",
      name: "web",
      subresource: "binding",
    },
  ],
  [
    "DELETE",
    "/api/v1/namespaces/default/configmaps",
    "",
    {
      kind: "resource",
      verb: "deletecollection",
      group: "",
      version: "v1",
      resource: "configmaps",
      namespace: "default",
    },
  ],
  [
    "GET",
    "/api/v1/namespaces",
    "",
    { kind: "resource", verb: "list", group: "", version: "v1", resource: "namespaces" },
  ],
  [
    "GET",
    "/api/v1/namespaces/kube-system",
    "",
    { kind: "resource", verb: "get", group: "", version: "v1", resource: "namespaces", name: "kube-system" },
  ],
  [
    "PUT",
    "/api/v1/namespaces/ns1/finalize",
    "",
    {
      kind: "resource",
      verb: "update",
      group: "",
      version: "v1",
      resource: "namespaces",
      name: "ns1",
      subresource: "finalize",
    },
  ],
  [
    "PATCH",
    "/apis/apps/v1/namespaces/default/deployments/web/scale",
    "",
    {
      kind: "resource",
      verb: "patch",
      group: "apps",
      version: "v1",
      resource: "deployments",
      namespace: "default",
      name: "web",
      subresource: "scale",
    },
  ],
  [
    "GET",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:basic-user",
    "",
    {
      kind: "resource",
      verb: "get",
      group: "rbac.authorization.k8s.io",
      version: "v1",
      resource: "clusterroles",
      name: "system:basic-user",
    },
  ],
  ["GET", "/api", "", { kind: "nonresource", path: "/api", verb: "get" }],
  ["GET", "/apis/apps/v1", "", { kind: "nonresource", path: "/apis/apps/v1", verb: "get" }],
  ["GET", "/version", "", { kind: "nonresource", path: "/version", verb: "get" }],
  [
    "GET",
    "/api/v1/namespaces/a/pods/b/c/d",
    "",
    { kind: "nonresource", path: "/api/v1/namespaces/a/pods/b/c/d", verb: "get" },
  ],
];

describe("request info", () => {
  for (const [method, path, query, want] of cases) {
    it(`${method} ${path}${query ? `?${query}` : ""}`, () => {
      assert.deepEqual(parseRequest(method, path, new URLSearchParams(query)), want);
    });
  }
});
