import assert from "node:assert/strict";
import { decodeToken, encodeToken, filterSubject, parseSubject, subjectFor } from "../src/subjects.ts";

describe("subject tokens", () => {
  const table: [string, string][] = [
    ["web-1", "web-1"],
    ["kube_system", "kube_system"],
    ["nginx.conf", "nginx~2Econf"],
    ["system:controller:job-controller", "system~3Acontroller~3Ajob-controller"],
    ["a*b>c", "a~2Ab~3Ec"],
    ["with space", "with~20space"],
    ["tilde~x", "tilde~7Ex"],
    ["ünï", "~C3~BCn~C3~AF"],
    ["user@example.com", "user~40example~2Ecom"],
  ];
  for (const [name, token] of table) {
    it(`encodes ${JSON.stringify(name)} as ${token} and back`, () => {
      assert.equal(encodeToken(name), token);
      assert.match(token, /^[A-Za-z0-9_~-]+$/, "only NATS-safe characters");
      assert.equal(decodeToken(token), name);
    });
  }
  it("refuses empty names and tokens that are not encodings", () => {
    assert.throws(() => encodeToken(""));
    for (const bad of ["a.b", "a~2", "a~zz", "*", ""]) assert.throws(() => decodeToken(bad), bad);
  });
});

describe("subjects", () => {
  const cases = [
    {
      parts: { cluster: "c1", group: "", resource: "pods", namespace: "default", name: "web.1" },
      subject: "evk.ev.c1.pods.default.web~2E1",
    },
    {
      parts: { cluster: "c1", group: "apps", resource: "deployments", namespace: "ns", name: "d" },
      subject: "evk.ev.c1.deployments~2Eapps.ns.d",
    },
    {
      parts: {
        cluster: "c1",
        group: "rbac.authorization.k8s.io",
        resource: "clusterroles",
        namespace: "",
        name: "system:x",
      },
      subject: "evk.ev.c1.clusterroles~2Erbac~2Eauthorization~2Ek8s~2Eio._.system~3Ax",
    },
  ];
  for (const c of cases) {
    it(`builds and parses ${c.subject}`, () => {
      assert.equal(subjectFor("ev", c.parts), c.subject);
      assert.deepEqual(parseSubject(c.subject), { kind: "ev", ...c.parts });
    });
  }
  it("builds filters for a cluster, a resource, or every cluster", () => {
    assert.equal(filterSubject("ev", "c1"), "evk.ev.c1.>");
    assert.equal(filterSubject("ev", undefined, { group: "", resource: "pods" }), "evk.ev.*.pods.>");
    assert.equal(
      filterSubject("st", "c1", { group: "apps", resource: "deployments" }),
      "evk.st.c1.deployments~2Eapps.>",
    );
  });
  it("rejects subjects outside the layout", () => {
    for (const s of ["evk.ev.c1.pods.default", "foo.ev.c1.pods.ns.n", "evk.xx.c1.pods.ns.n"])
      assert.throws(() => parseSubject(s), s);
  });
});
