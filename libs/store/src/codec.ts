import type { KubeObject } from "@evk/kube";

// Objects are stored as JSON without metadata.resourceVersion: the version *is* etcd's mod_revision,
// so storing it would be a second, stale copy. Reads put it back from the revision.

export function encodeObject(obj: KubeObject): string {
  const { resourceVersion: _drop, ...metadata } = obj.metadata ?? {};
  return JSON.stringify({ ...obj, metadata });
}

export function decodeObject(value: Buffer | string, modRevision: number | string): KubeObject {
  const obj = JSON.parse(typeof value === "string" ? value : value.toString("utf8")) as KubeObject;
  obj.metadata = { ...obj.metadata, resourceVersion: String(modRevision) };
  return obj;
}
