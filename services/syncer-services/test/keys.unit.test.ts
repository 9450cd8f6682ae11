import assert from "node:assert/strict";
import { parseWorkKey, workKey } from "../src/keys.ts";
import { reportRevision } from "../src/service-sync.ts";

describe("work keys", () => {
  const cases: [Parameters<typeof workKey>, string][] = [
    [["service", "default", "web"], "service:default/web"],
    [["endpoints", "kube-system", "kube-dns"], "endpoints:kube-system/kube-dns"],
    [["slice", "app", "db-abc"], "slice:app/db-abc"],
  ];
  for (const [args, key] of cases) {
    it(key, () => {
      assert.equal(workKey(...args), key);
      assert.deepEqual(parseWorkKey(key), { kind: args[0], namespace: args[1], name: args[2] });
    });
  }
  it("refuses what is not a work key", () => assert.throws(() => parseWorkKey("pod:default/x"), /not a work key/));
});

describe("reportRevision", () => {
  const virtual = (applied?: string) => ({
    metadata: { name: "s", ...(applied ? { annotations: { "evk.dev/host-resource-version": applied } } : {}) },
  });
  const cases: [string, number, string | undefined, number][] = [
    ["nothing adopted yet: the host's", 500, undefined, 500],
    ["a newer host revision: the host's", 900, "500", 900],
    ["the virtual object changed since it adopted this revision: one past it", 500, "500", 501],
    ["it adopted a later correction already: one past that", 500, "501", 502],
  ];
  for (const [name, host, applied, want] of cases)
    it(name, () => assert.equal(reportRevision(host, virtual(applied)), want));
});
