// The body of an apply patch (application/apply-patch+yaml) as kube-apiserver reads it with sigs.k8s.io/yaml:
// YAML 1.1 (JSON is YAML) into a map, later duplicate keys winning, and the duplicates strict field
// validation reports ("line 10: key \"paused\" already set in map"). Pure.
import { errors } from "@evk/kube";
import { isMap, isScalar, LineCounter, parseDocument, visit } from "yaml";

export interface ApplyBody {
  object: Record<string, unknown>;
  /** go-yaml's strict-decoding errors, one per repeated key, in document order. */
  duplicates: string[];
}

const goKind = (v: unknown) =>
  Array.isArray(v) ? "array" : typeof v === "string" ? "string" : typeof v === "boolean" ? "bool" : "number";

export function decodeApplyBody(raw: Buffer): ApplyBody {
  const text = raw.toString("utf8");
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: "1.1",
    uniqueKeys: false,
    lineCounter,
    customTags: (tags) => tags.filter((t) => typeof t === "string" || t.tag !== "tag:yaml.org,2002:timestamp"),
  });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    const what = (err.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    throw errors.badRequest(
      `error decoding YAML: error converting YAML to JSON: yaml: ${line !== undefined ? `line ${line}: ` : ""}${what}`,
    );
  }
  const value = doc.toJS() as unknown;
  if (value !== null && value !== undefined && (typeof value !== "object" || Array.isArray(value)))
    throw errors.badRequest(
      `error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goKind(value)} into Go value of type map[string]interface {}`,
    );
  const duplicates: string[] = [];
  visit(doc, {
    Map(_, node) {
      if (!isMap(node)) return;
      const seen = new Set<string>();
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (k === undefined) continue;
        if (seen.has(k)) {
          const offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
          duplicates.push(`line ${lineCounter.linePos(offset).line}: key ${JSON.stringify(k)} already set in map`);
        }
        seen.add(k);
      }
    },
  });
  return { object: (value ?? {}) as Record<string, unknown>, duplicates };
}

/** The strict-decoding error kube answers an apply with repeated keys under fieldValidation=Strict. */
export function strictApplyError(duplicates: string[]) {
  return errors.badRequest(
    `error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  ${duplicates.join("\n  ")}`,
  );
}
