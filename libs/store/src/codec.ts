import type { KubeObject } from "@evk/kube";

// Objects are stored as JSON without metadata.resourceVersion: the version *is* etcd's mod_revision,
// so storing it would be a second, stale copy. Reads put it back from the revision.

export function encodeObject(obj: KubeObject): string {
  const meta = obj.metadata as KubeObject["metadata"] | undefined;
  // Nothing to drop (a create, usually): stringify as is rather than copying the object first.
  // JSON.stringify leaves out an undefined resourceVersion just as the copy would.
  if (meta !== null && typeof meta === "object" && !Array.isArray(meta) && meta.resourceVersion === undefined) {
    return JSON.stringify(obj);
  }
  const { resourceVersion: _drop, ...metadata } = meta ?? {};
  return JSON.stringify({ ...obj, metadata });
}

export function decodeObject(value: Buffer | string, modRevision: number | string): KubeObject {
  const obj = JSON.parse(typeof value === "string" ? value : value.toString("utf8")) as KubeObject;
  const meta = obj.metadata as unknown;
  // A freshly parsed object is ours to change: set the version in place instead of copying metadata.
  if (meta !== null && typeof meta === "object" && !Array.isArray(meta)) {
    (meta as KubeObject["metadata"]).resourceVersion = String(modRevision);
  } else {
    obj.metadata = { ...obj.metadata, resourceVersion: String(modRevision) };
  }
  return obj;
}

const SKIP = Symbol("left out by JSON");
const INEXACT = Symbol("only a JSON round trip is exact");

/** `JSON.parse(JSON.stringify(v))` for the plain data JSON round-trips unchanged, INEXACT for the rest. */
function jsonCopy(v: unknown): unknown {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? (v as number) + 0 : null; // + 0 turns -0 into 0, as JSON does
    case "object":
      break;
    case "bigint":
      return INEXACT;
    default:
      return SKIP; // undefined, functions and symbols
  }
  if (v === null) return null;
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return INEXACT;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return INEXACT;
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const e = jsonCopy(v[i]);
      if (e === INEXACT) return INEXACT;
      out.push(e === SKIP ? null : e);
    }
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return INEXACT; // Map, Date, boxed primitives, classes
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    if (k === "__proto__") return INEXACT; // assigning it would set the copy's prototype
    const e = jsonCopy((v as Record<string, unknown>)[k]);
    if (e === INEXACT) return INEXACT;
    if (e !== SKIP) out[k] = e;
  }
  return out;
}

/**
 * What `decodeObject(encodeObject(obj), revision)` returns, before the revision is set, made without
 * parsing: copying the plain data JSON would keep costs a third of JSON.parse. Undefined where only a
 * real round trip is exact (a resourceVersion to drop, a Date, a toJSON, ...): decode the value then.
 * Take it together with encodeObject, before `obj` can change.
 */
export function storedCopy(obj: KubeObject): KubeObject | undefined {
  const meta = obj.metadata as KubeObject["metadata"] | undefined;
  if (meta === null || typeof meta !== "object" || Array.isArray(meta) || meta.resourceVersion !== undefined) {
    return undefined;
  }
  const copy = jsonCopy(obj);
  return copy === INEXACT ? undefined : (copy as KubeObject);
}
