import assert from "node:assert/strict";
import { isStatusError } from "@evk/kube";
import { answerReview } from "../src/access-review.ts";

const can = { resourceAttributes: { verb: "create", resource: "pods", namespace: "d" } };

describe("access reviews (every authenticated user may do everything)", () => {
  const cases: [string, string, string | undefined, unknown, unknown][] = [
    ["self: allowed", "selfsubjectaccessreviews", undefined, { spec: can }, { allowed: true }],
    ["a named user: allowed", "subjectaccessreviews", undefined, { spec: { ...can, user: "jane" } }, { allowed: true }],
    [
      "anonymous: denied",
      "subjectaccessreviews",
      undefined,
      { spec: { ...can, user: "system:anonymous" } },
      { allowed: false },
    ],
    [
      "local, same namespace: allowed",
      "localsubjectaccessreviews",
      "d",
      { spec: { ...can, user: "jane" } },
      { allowed: true },
    ],
  ];
  for (const [why, resource, ns, body, status] of cases) {
    it(why, () => assert.deepEqual(answerReview(resource, ns, body).status, status));
  }
  it("rules review: everything", () => {
    const r = answerReview("selfsubjectrulesreviews", undefined, { spec: { namespace: "d" } });
    assert.deepEqual((r.status as { resourceRules: unknown }).resourceRules, [
      { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
    ]);
  });
  const invalid: [string, string, string | undefined, unknown][] = [
    ["neither attributes", "selfsubjectaccessreviews", undefined, { spec: {} }],
    [
      "both attributes",
      "selfsubjectaccessreviews",
      undefined,
      { spec: { ...can, nonResourceAttributes: { path: "/x", verb: "get" } } },
    ],
    ["local, another namespace", "localsubjectaccessreviews", "e", { spec: { ...can, user: "jane" } }],
  ];
  for (const [why, resource, ns, body] of invalid) {
    it(`refuses ${why} with 422`, () =>
      assert.throws(
        () => answerReview(resource, ns, body),
        (err: unknown) => isStatusError(err, "Invalid"),
      ));
  }
});
