import assert from "node:assert/strict";
import { isStatusError } from "@evk/kube";
import { isDryRun } from "../src/dry-run.ts";

describe("dryRun parameter", () => {
  const cases: [string[], boolean][] = [
    [[], false],
    [["All"], true],
    [["All", "All"], true],
  ];
  for (const [values, want] of cases) {
    it(`${JSON.stringify(values)} → ${want}`, () => assert.equal(isDryRun(values), want));
  }
  it("refuses any other value with 400", () =>
    assert.throws(
      () => isDryRun(["Some"]),
      (err: unknown) => isStatusError(err, "BadRequest") && /supported values: "All"/.test((err as Error).message),
    ));
});
