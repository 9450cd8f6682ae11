import assert from "node:assert/strict";
import type { StatusError } from "@evk/kube";
import { answerTokenReview } from "../src/token-review.ts";

const API = ["https://kubernetes.default.svc.cluster.local"];
const admin = { username: "admin", groups: ["system:masters", "system:authenticated"] };
const authenticate = async (t: string) => (t === "good" ? admin : undefined);
const review = (spec: unknown) => ({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec });

describe("TokenReview answers", () => {
  const cases: { name: string; spec: Record<string, unknown>; status: unknown }[] = [
    {
      name: "a known token: authenticated, the user, the apiserver's audiences",
      spec: { token: "good" },
      status: { authenticated: true, user: admin, audiences: API },
    },
    {
      name: "an unknown token: not authenticated, no user",
      spec: { token: "nope" },
      status: { user: {}, error: "invalid bearer token" },
    },
    {
      name: "audiences asked that include the apiserver's: only those come back",
      spec: { token: "good", audiences: ["other", API[0]] },
      status: { authenticated: true, user: admin, audiences: API },
    },
    {
      name: "only audiences the apiserver's tokens are not for: not authenticated",
      spec: { token: "good", audiences: ["vault"] },
      status: { user: {}, error: "token audiences are invalid for the target audiences" },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await answerTokenReview(review(c.spec), authenticate, API);
      assert.deepEqual(got, {
        kind: "TokenReview",
        apiVersion: "authentication.k8s.io/v1",
        metadata: {},
        spec: c.spec,
        status: c.status,
      });
    });
  }
  it("a review without a token is Invalid (422)", async () => {
    await assert.rejects(answerTokenReview(review({}), authenticate, API), (e: StatusError) => e.code === 422);
  });
  it("a body that is not an object is a BadRequest", async () => {
    await assert.rejects(answerTokenReview([], authenticate, API), (e: StatusError) => e.code === 400);
  });
});
