import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

function check(bin: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(root, bin), ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("quality", function () {
  this.timeout(180_000);

  it("passes lint and format checks (biome)", () => {
    // biome's package entry is a small node script that runs the platform binary.
    const r = check("node_modules/@biomejs/biome/bin/biome", ["check", "--colors=off", "."]);
    assert.equal(r.code, 0, r.output);
  });

  it("type-checks under strict TypeScript", () => {
    const r = check("node_modules/typescript/bin/tsc", ["-p", "tsconfig.json", "--noEmit"]);
    assert.equal(r.code, 0, r.output);
  });
});
