import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, makeTempDir } from "@evk/testing";
import { currentKubeconfigPath, reachableCurrentHost } from "../src/commands/host-choice.ts";

describe("evk up: which host", () => {
  const cases: [NodeJS.ProcessEnv, string][] = [
    [{ KUBECONFIG: "/a/one:/a/two", HOME: "/h" }, "/a/one"],
    [{ KUBECONFIG: ":/a/two", HOME: "/h" }, "/a/two"],
    [{ HOME: "/h" }, "/h/.kube/config"],
  ];
  for (const [env, want] of cases) {
    it(`KUBECONFIG=${env.KUBECONFIG ?? "(unset)"} → ${want}`, () => assert.equal(currentKubeconfigPath(env), want));
  }
  it("a missing kubeconfig means no current host", async () => {
    assert.equal(await reachableCurrentHost("/nonexistent/kubeconfig"), undefined);
  });
  it("a kubeconfig whose server does not answer means no current host", async () => {
    const dir = makeTempDir("host-choice");
    const path = join(dir, "kubeconfig");
    const port = await freePort(); // nothing listens there
    writeFileSync(
      path,
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`,
    );
    assert.equal(await reachableCurrentHost(path, 1_000), undefined);
  });
});
