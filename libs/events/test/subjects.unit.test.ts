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
  it("refuses the namespace that marks cluster-scoped objects", () => {
    assert.throws(
      () => subjectFor("ev", { cluster: "c1", group: "", resource: "pods", namespace: "_", name: "x" }),
      /reserved for cluster-scoped/,
    );
  });
  it("rejects subjects outside the layout", () => {
    for (const s of ["evk.ev.c1.pods.default", "foo.ev.c1.pods.ns.n", "evk.xx.c1.pods.ns.n"])
      assert.throws(() => parseSubject(s), s);
  });
});

describe("subject encoding round-trips nasty names", () => {
  // A fixed-seed generator: the same strings every run, so a failure reproduces.
  let seed = 0x2f6b1d;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = ["a", "Z", "0", "-", "_", ".", ":", "@", " ", "*", ">", "~", "/", "%", "ü", "名", "😀", "\t", "$"];
  const names = Array.from({ length: 500 }, () =>
    Array.from({ length: 1 + rand(12) }, () => alphabet[rand(alphabet.length)]).join(""),
  );
  it("decode(encode(s)) === s and every token is one plain NATS token", () => {
    for (const s of names) {
      const t = encodeToken(s);
      assert.match(t, /^[A-Za-z0-9_~-]+$/, JSON.stringify(s));
      assert.equal(decodeToken(t), s);
    }
  });
  it("parseSubject(subjectFor(parts)) === parts", () => {
    for (let i = 0; i + 2 < names.length; i += 3) {
      const parts = {
        cluster: "c1",
        group: i % 2 ? "rbac.authorization.k8s.io" : "",
        resource: i % 2 ? "clusterroles" : "configmaps",
        namespace: i % 2 || names[i + 1] === "_" ? "" : (names[i + 1] as string),
        name: names[i] as string,
      };
      const subject = subjectFor("st", parts);
      assert.equal(subject.split(".").length, 6, subject);
      assert.deepEqual(parseSubject(subject), { kind: "st", ...parts });
    }
  });
  it("distinct names never share a token", () => {
    const tokens = new Map<string, string>();
    for (const s of names) {
      const t = encodeToken(s);
      const other = tokens.get(t);
      assert.ok(other === undefined || other === s, `${JSON.stringify(s)} and ${JSON.stringify(other)} -> ${t}`);
      tokens.set(t, s);
    }
  });
});
