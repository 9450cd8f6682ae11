import { errors, type KubeObject, StatusError } from "@evk/kube";
import jsonpatch from "fast-json-patch";

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

export type PatchType = "json" | "merge" | "strategic";

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const ct = (contentType ?? "").split(";")[0]?.trim();
  if (ct === "application/json-patch+json") return "json";
  if (ct === "application/merge-patch+json") return "merge";
  if (ct === "application/strategic-merge-patch+json") return "strategic";
  return undefined;
}

export function applyPatch(current: KubeObject, type: PatchType, body: unknown): KubeObject {
  if (type === "json") {
    if (!Array.isArray(body)) throw errors.badRequest("json patch must be an array of operations");
    try {
      return jsonpatch.applyPatch(structuredClone(current), body as jsonpatch.Operation[], true, false).newDocument;
    } catch (err) {
      // kube-apiserver answers a JSON patch that cannot apply with 422 Invalid.
      throw new StatusError(
        "Invalid",
        `the server rejected our request due to an error in our request: ${(err as Error).message}`,
      );
    }
  }
  if (type === "merge") return mergePatch(current, body) as KubeObject;
  throw errors.badRequest("strategic merge patch is not supported yet");
}
