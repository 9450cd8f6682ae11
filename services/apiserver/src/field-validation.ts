// Server-side field validation (the fieldValidation query parameter) with kube-apiserver's answers:
// Strict refuses unknown fields, Warn (the server default) and Ignore drop them, Warn with a Warning header each.
import type { ServerResponse } from "node:http";
import { StatusError } from "@evk/kube";
import { type BodyScan, scanOf } from "./body.ts";
import { pruneUnknownFields, type Schema, type SchemaIndex } from "./openapi-schema.ts";
import { goFormat } from "./strategic-merge-patch.ts";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

const optionsKind = { create: "CreateOptions", update: "UpdateOptions", patch: "PatchOptions" } as const;

/** The request's directive; an unsupported value is refused as kube refuses it (422 on the options kind). */
export function fieldValidationOf(query: URLSearchParams, verb: keyof typeof optionsKind): FieldValidation {
  const v = query.get("fieldValidation") ?? "";
  if (v === "") return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  const message = `Unsupported value: ${JSON.stringify(v)}: supported values: "", "Ignore", "Strict", "Warn"`;
  throw new StatusError("Invalid", `${optionsKind[verb]}.meta.k8s.io "" is invalid: fieldValidation: ${message}`, {
    group: "meta.k8s.io",
    kind: optionsKind[verb],
    causes: [{ reason: "FieldValueNotSupported", message, field: "fieldValidation" }],
  });
}

export function unknownFieldMessages(paths: string[]): string[] {
  return paths.map((p) => `unknown field ${JSON.stringify(p)}`);
}

/**
 * sigs.k8s.io/json's strict-decoding errors for a body: its unknown fields and its repeated keys (none inside an
 * unknown field, which is not decoded), in the order the decoder meets them in the document.
 */
export function strictDecodingIssues(unknownPaths: string[], scan: BodyScan | undefined): string[] {
  const inside = (path: string, outer: string) => path.startsWith(`${outer}.`) || path.startsWith(`${outer}[`);
  const issues = [
    ...unknownPaths.map((p) => ({ text: `unknown field ${JSON.stringify(p)}`, at: scan?.offsets.get(p) ?? Infinity })),
    ...(scan?.duplicates ?? [])
      .filter((d) => !unknownPaths.some((u) => u === d.path || inside(d.path, u)))
      .map((d) => ({ text: `duplicate field ${JSON.stringify(d.path)}`, at: d.offset })),
  ];
  return issues.sort((a, b) => (a.at === b.at ? 0 : a.at < b.at ? -1 : 1)).map((i) => i.text);
}

/**
 * A created or updated body: unknown fields are removed in place; under Strict the request is refused with
 * kube's decode error. Returns the warnings to send.
 */
export function validateBody(
  index: SchemaIndex,
  schema: Schema,
  kind: string,
  version: string,
  body: unknown,
  directive: FieldValidation,
): string[] {
  const unknown = strictDecodingIssues(pruneUnknownFields(index, body, schema), scanOf(body));
  if (unknown.length === 0 || directive === "Ignore") return [];
  if (directive === "Strict")
    throw new StatusError(
      "BadRequest",
      `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: strict decoding error: ${unknown.join(", ")}`,
    );
  return unknown;
}

/**
 * A patched object. kube reports unknown fields of a patch result as an invalid `patch` (422) quoting the
 * patch: the merged JSON document for JSON and merge patches, the Go rendering of the patch map for
 * strategic merge patches.
 */
export function validatePatched(
  index: SchemaIndex,
  schema: Schema,
  patched: unknown,
  directive: FieldValidation,
  quoted: () => string,
): string[] {
  // Found on a copy first: a refusal quotes the patched document as it was, unknown fields included.
  const unknown = unknownFieldMessages(pruneUnknownFields(index, structuredClone(patched), schema));
  if (unknown.length === 0) return [];
  if (directive === "Strict") {
    const message = `Invalid value: ${JSON.stringify(quoted())}: strict decoding error: ${unknown.join(", ")}`;
    throw new StatusError("Invalid", ` "" is invalid: patch: ${message}`, {
      causes: [{ reason: "FieldValueInvalid", message, field: "patch" }],
    });
  }
  pruneUnknownFields(index, patched, schema);
  return directive === "Warn" ? unknown : [];
}

export const quoteStrategicPatch = (patch: unknown) => () => goFormat(patch);

/** kube's warning header form: `299 - "<text>"`, one header per warning. */
export function setWarnings(res: ServerResponse, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  // Warnings accumulate over a request (a deprecated version's first), each once, as kube's recorder keeps them.
  const set = res.getHeader("Warning");
  const before = set === undefined ? [] : Array.isArray(set) ? set.map(String) : [String(set)];
  res.setHeader("Warning", [...new Set([...before, ...warnings.map((w) => `299 - ${JSON.stringify(w)}`)])]);
}
