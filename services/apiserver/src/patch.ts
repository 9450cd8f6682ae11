import { errors, type KubeObject, type Status, StatusError } from "@evk/kube";
import jsonpatch from "fast-json-patch";
import { type PatchMetaLookup, StrategicMergePatchError, strategicMergePatch } from "./strategic-merge-patch.ts";

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** "apply" is server-side apply (application/apply-patch+yaml), which the field manager merges (managed-fields/). */
export type PatchType = "json" | "merge" | "strategic" | "apply";

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const ct = (contentType ?? "").split(";")[0]?.trim();
  if (ct === "application/json-patch+json") return "json";
  if (ct === "application/merge-patch+json") return "merge";
  if (ct === "application/strategic-merge-patch+json") return "strategic";
  // application/apply-patch+cbor is refused like any unknown type: kube 1.35 takes it only behind the
  // CBORServingAndStorage feature gate, which is off.
  if (ct === "application/apply-patch+yaml") return "apply";
  return undefined;
}

/**
 * Applies a patch to a copy of `current`. A strategic merge patch needs the kind's patch metadata (`smp`);
 * without it the type is refused with 415, as kube-apiserver refuses it for kinds it has no metadata for
 * (custom resources), which is also what makes the garbage collector fall back to a merge patch.
 */
export function applyPatch(current: KubeObject, type: PatchType, body: unknown, smp?: PatchMetaLookup): KubeObject {
  if (type === "apply") throw new Error("an apply patch is merged by the field manager, not applied as a patch");
  if (type === "json") {
    if (!Array.isArray(body))
      throw errors.badRequest(
        `error decoding patch: json: cannot unmarshal ${goJsonKind(body)} into Go value of type []handlers.jsonPatchOp`,
      );
    try {
      return jsonpatch.applyPatch(structuredClone(current), body as jsonpatch.Operation[], true, false).newDocument;
    } catch {
      // kube-apiserver answers a JSON patch that cannot apply with exactly this 422 and empty details (the
      // library's own message would also echo the whole object back).
      throw new StatusError("Invalid", "the server rejected our request due to an error in our request", {});
    }
  }
  if (type === "merge") return mergePatch(current, body) as KubeObject;
  if (!smp)
    throw new StatusError(
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    );
  try {
    return strategicMergePatch(structuredClone(current), body, smp) as KubeObject;
  } catch (err) {
    if (!(err instanceof StrategicMergePatchError)) throw err;
    if (err.status === "BadRequest") throw errors.badRequest(err.message);
    if (err.status === "Invalid")
      throw new StatusError("Invalid", err.message, {
        causes: [{ reason: "UnexpectedServerResponse", message: err.message }],
      });
    throw new ReasonlessError(err.message);
  }
}

/** A 500 whose Status has no reason: how kube-apiserver answers errors its handlers did not classify. */
export class ReasonlessError extends StatusError {
  constructor(message: string) {
    super("InternalError", message);
  }
  override toStatus(): Status {
    const { reason: _, ...rest } = super.toStatus();
    return rest as Status;
  }
}

/** How Go's encoding/json names a JSON value's type in its unmarshal errors. */
function goJsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}
