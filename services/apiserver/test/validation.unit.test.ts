import assert from "node:assert/strict";
import { isStatusError } from "@evk/kube";
import { nameCauses, nameProblems, validateName } from "../src/validation.ts";

const core = (resource: string) => ({ group: "", resource });
const rbac = (resource: string) => ({ group: "rbac.authorization.k8s.io", resource });

describe("object names", () => {
  const cases: [string, { group: string; resource: string }, string, RegExp | undefined][] = [
    ["a configmap may have dots", core("configmaps"), "app.config", undefined],
    ["a configmap may not have capitals or '_'", core("configmaps"), "Bad_Name", /lowercase RFC 1123 subdomain/],
    ["a configmap name may be 253 characters", core("configmaps"), "a".repeat(253), undefined],
    ["but not 254", core("configmaps"), "a".repeat(254), /no more than 253 characters/],
    ["a namespace is a label: no dots", core("namespaces"), "a.b", /^must not contain dots$/],
    ["a namespace may not have capitals", core("namespaces"), "A", /lowercase RFC 1123 label/],
    ["a namespace name may be 63 characters", core("namespaces"), "a".repeat(63), undefined],
    ["a service starts with a letter", core("services"), "1web", /DNS-1035 label/],
    ["a service may be web-1", core("services"), "web-1", undefined],
    ["an RBAC name may contain ':' and capitals", rbac("clusterroles"), "system:Controller", undefined],
    ["an RBAC name may not contain '/'", rbac("roles"), "a/b", /may not contain '\/'/],
    ["an RBAC name may not be '..'", rbac("rolebindings"), "..", /may not be '\.\.'/],
  ];
  for (const [why, type, name, want] of cases) {
    it(why, () => {
      const got = nameProblems(type, name).join("; ");
      if (want) assert.match(got, want);
      else assert.equal(got, "");
    });
  }
  it("refuses with kube's 422 Status naming the field", () => {
    try {
      validateName({ group: "", resource: "configmaps", kind: "ConfigMap" }, "Bad_Name");
      assert.fail("accepted");
    } catch (err) {
      assert.ok(isStatusError(err, "Invalid"));
      assert.match(
        (err as Error).message,
        /^ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
      );
    }
  });
});

describe("generateName and the name made from it", () => {
  const configmaps = { group: "", resource: "configmaps" };
  it("checks generateName with a trailing '-' masked, then the generated name", () => {
    assert.deepEqual(nameCauses(configmaps, "web-x1b2c", "web-"), []);
    assert.deepEqual(
      nameCauses(configmaps, "Bad_x1b2c", "Bad_").map((c) => `${c.field}: ${c.message?.split(":")[1]}`),
      ['metadata.generateName:  "Bad_"', 'metadata.name:  "Bad_x1b2c"'],
    );
  });
  it("requires a name or generateName", () => {
    assert.deepEqual(nameCauses(configmaps, ""), [
      {
        reason: "FieldValueRequired",
        message: "Required value: name or generateName is required",
        field: "metadata.name",
      },
    ]);
  });
  it("checks a namespace's name as the value of its kubernetes.io/metadata.name label too", () => {
    assert.deepEqual(
      nameCauses({ group: "", resource: "namespaces" }, "n".repeat(64)).map((c) => c.field),
      ["metadata.name", "metadata.labels"],
    );
  });
});
