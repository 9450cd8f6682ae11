import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/**
 * A fresh directory for one process's data and log. Removed when the runner exits, unless
 * EVK_KEEP_TMP=1 asks to keep them for a post-mortem.
 */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(process.env.EVK_TMP_DIR || tmpdir(), `evk-${prefix}-`));
  made.push(dir);
  return dir;
}

process.on("exit", () => {
  if (process.env.EVK_KEEP_TMP === "1") return;
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
