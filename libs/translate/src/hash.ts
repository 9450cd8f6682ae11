import { createHash } from "node:crypto";

export function sha256Hex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** The 10 hex characters vcluster uses wherever a hash shortens a name or a key. */
export function hash10(s: string): string {
  return sha256Hex(s).slice(0, 10);
}
