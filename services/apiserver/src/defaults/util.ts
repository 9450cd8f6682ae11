// Helpers for defaulters that work the way Go's do on decoded structs: a JSON null or an absent field is
// Go's nil, and "" or 0 is the zero value a `== ""` / `== 0` check defaults. The defaulters mutate a private
// deep copy (index.ts makes it), so callers always get a new object.

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The object at o[k], or undefined. */
export const objAt = (o: Obj | undefined, k: string): Obj | undefined => (o && isObj(o[k]) ? (o[k] as Obj) : undefined);

/** The objects of the list at o[k] (entries that are not objects are skipped, validation refuses them). */
export const listAt = (o: Obj | undefined, k: string): Obj[] =>
  o && Array.isArray(o[k]) ? (o[k] as unknown[]).filter(isObj) : [];

/** The object at o[k], created empty when it is nil (Go's `if x == nil { x = &T{} }`). */
export function ensureObj(o: Obj, k: string): Obj {
  if (!isObj(o[k])) o[k] = {};
  return o[k] as Obj;
}

/** Go nil: absent or JSON null. */
export const isNil = (v: unknown): boolean => v === undefined || v === null;

/** Go's zero value of a string or number field. */
export const isZero = (v: unknown): boolean => v === undefined || v === null || v === "" || v === 0 || v === false;

/** Sets o[k] when it is nil (pointer fields). */
export function defaultNil(o: Obj, k: string, value: unknown): void {
  if (isNil(o[k])) o[k] = value;
}

/** Sets o[k] when it holds Go's zero value (string and number fields). */
export function defaultZero(o: Obj, k: string, value: unknown): void {
  if (isZero(o[k])) o[k] = value;
}

/** Go's len(map) / len(slice): nil and empty both count as 0. */
export function size(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (isObj(v)) return Object.keys(v).length;
  return 0;
}

/** A string-valued map (labels, selectors), or undefined when it is nil. */
export function stringMap(v: unknown): Record<string, string> | undefined {
  return isObj(v) ? (v as Record<string, string>) : undefined;
}
