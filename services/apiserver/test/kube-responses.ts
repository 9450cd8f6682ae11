import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// What kube-apiserver 1.35.4 answered for real objects, one JSON document a line: the object's JSON and, at
// the same resourceVersion, its protobuf (base64), YAML or protobuf watch stream answer.

type Json = Record<string, unknown>;

export interface Fixture {
  path: string;
  mode?: string;
  status: number;
  contentType: string;
  json?: Json;
  protobuf?: string;
  yaml?: string;
  events?: { type: string; object: Json }[];
}

export const fixtures: Fixture[] = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), "fixtures/kube-1.35-responses.jsonl"),
  "utf8",
)
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Fixture);
