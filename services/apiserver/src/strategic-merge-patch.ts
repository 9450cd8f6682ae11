// Strategic merge patch as kube-apiserver applies it: a port of apimachinery's
// pkg/util/strategicpatch mergeMap (MergeParallelList and IgnoreUnmatchedNulls on), so results, list
// order and error texts match kube's. The patch metadata (merge keys and strategies) comes from the
// OpenAPI schemas through PatchMetaLookup, as kube's comes from Go struct tags.
//
// Like the Go code this mutates both the original and the patch: callers pass copies. The apiserver quotes
// the mutated patch in some errors, which is why the mutation is kept rather than hidden.

export type Json = unknown;
type JsonMap = Record<string, Json>;

export interface PatchMeta {
  strategies: string[];
  mergeKey: string;
}

/** Patch metadata of one object schema; a field the schema does not know yields empty metadata. */
export interface PatchMetaLookup {
  forStruct(key: string): { schema: PatchMetaLookup; meta: PatchMeta };
  /** The list field's metadata, and the schema of its items. */
  forSlice(key: string): { schema: PatchMetaLookup; meta: PatchMeta };
}

/** Metadata-free lookup: maps merge, every list is replaced. */
export const noPatchMeta: PatchMetaLookup = {
  forStruct: () => ({ schema: noPatchMeta, meta: { strategies: [], mergeKey: "" } }),
  forSlice: () => ({ schema: noPatchMeta, meta: { strategies: [], mergeKey: "" } }),
};

/**
 * How kube-apiserver answers each failure (handlers/patch.go interpretStrategicMergePatchError): mergepatch's
 * format errors are 400, lists of lists and retainKeys mismatches 422, anything else a 500 without a reason.
 */
export class StrategicMergePatchError extends Error {
  readonly status: "BadRequest" | "Invalid" | "Unknown";
  constructor(message: string, status: "BadRequest" | "Invalid" | "Unknown" = "Unknown") {
    super(message);
    this.name = "StrategicMergePatchError";
    this.status = status;
  }
}

const directiveMarker = "$patch";
const deleteDirective = "delete";
const replaceDirective = "replace";
const mergeDirective = "merge";
const retainKeysStrategy = "retainKeys";
const deleteFromPrimitiveListDirectivePrefix = "$deleteFromPrimitiveList";
const retainKeysDirective = `$${retainKeysStrategy}`;
const setElementOrderDirectivePrefix = "$setElementOrder";

const errBadPatchFormatForPrimitiveList = () =>
  new StrategicMergePatchError("invalid patch format of primitive list", "BadRequest");
const errBadPatchFormatForRetainKeys = () =>
  new StrategicMergePatchError("invalid patch format of retainKeys", "BadRequest");
const errBadPatchFormatForSetElementOrderList = () =>
  new StrategicMergePatchError("invalid patch format of setElementOrder list", "BadRequest");
const errNoListOfLists = () => new StrategicMergePatchError("lists of lists are not supported", "Invalid");
const errNoMergeKey = (m: JsonMap, k: string) =>
  new StrategicMergePatchError(`map: ${goFormat(m)} does not contain declared merge key: ${k}`);
const errBadPatchType = (t: Json, m: JsonMap) =>
  new StrategicMergePatchError(`unknown patch type: ${goFormatS(t)} in map: ${goFormat(m)}`);
const errBadArgType = (expected: string, actual: Json) =>
  new StrategicMergePatchError(`expected a ${expected}, but received a ${goTypeName(actual)}`);

const MAP_TYPE = "map[string]interface {}";
const SLICE_TYPE = "[]interface {}";

/**
 * Applies `patch` to `original` (both JSON objects). kube-apiserver parses the patch body into a map
 * first; a body that is not a JSON object is refused the way its json package words it.
 */
export function strategicMergePatch(original: Json, patch: Json, schema: PatchMetaLookup): JsonMap {
  if (!isMap(patch)) {
    const what = Array.isArray(patch)
      ? "array"
      : patch === null
        ? "null"
        : typeof patch === "object"
          ? "object"
          : typeof patch === "boolean"
            ? "bool"
            : typeof patch;
    if (patch === undefined) throw new StrategicMergePatchError("unexpected end of JSON input", "BadRequest");
    // json.Unmarshal leaves the map empty for a null body.
    if (patch === null) return mergeMap(isMap(original) ? original : {}, {}, schema);
    throw new StrategicMergePatchError(
      `json: cannot unmarshal ${what} into Go value of type map[string]interface {}`,
      "BadRequest",
    );
  }
  return mergeMap(isMap(original) ? original : {}, patch, schema);
}

function isMap(v: Json): v is JsonMap {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Go's reflect kind/type of a decoded JSON value (kube decodes integers as int64, other numbers as float64). */
type GoKind = "map" | "slice" | "string" | "int64" | "float64" | "bool" | "nil";
function goKind(v: Json): GoKind {
  if (v === null || v === undefined) return "nil";
  if (Array.isArray(v)) return "slice";
  if (typeof v === "object") return "map";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  return Number.isInteger(v) ? "int64" : "float64";
}

function goTypeName(v: Json): string {
  const k = goKind(v);
  if (k === "map") return MAP_TYPE;
  if (k === "slice") return SLICE_TYPE;
  if (k === "nil") return "%!s(<nil>)";
  return k;
}

/** fmt's %v of a decoded JSON value: map keys sorted, elements space-separated, nil as <nil>. */
export function goFormat(v: Json): string {
  if (v === null || v === undefined) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goFormat).join(" ")}]`;
  if (typeof v === "object") {
    const m = v as JsonMap;
    return `map[${Object.keys(m)
      .sort()
      .map((k) => `${k}:${goFormat(m[k])}`)
      .join(" ")}]`;
  }
  if (typeof v === "number") return goNumber(v);
  return String(v);
}

/** %s of a value: strings as is, others as fmt marks a wrong verb. */
function goFormatS(v: Json): string {
  if (typeof v === "string") return v;
  const k = goKind(v);
  if (k === "int64") return `%!s(int64=${v})`;
  if (k === "float64") return `%!s(float64=${goNumber(v as number)})`;
  if (k === "bool") return `%!s(bool=${v})`;
  if (k === "nil") return "%!s(<nil>)";
  return goFormat(v);
}

function goNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  // %v of a float64 is %g with the shortest representation; exponents get a sign and two digits.
  const s = String(n);
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
  if (m) return `${m[1]}e${m[2]}${(m[3] as string).padStart(2, "0")}`;
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) return n.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  return s;
}

/** Go's == on interface values: same dynamic type and value; maps and slices never compare equal here. */
function goEqual(a: Json, b: Json): boolean {
  const ka = goKind(a);
  if (ka !== goKind(b)) return false;
  if (ka === "map" || ka === "slice") return a === b;
  return a === b || (ka === "nil" && true);
}

function mergeMap(original: JsonMap, patch: JsonMap, schema: PatchMetaLookup): JsonMap {
  if (directiveMarker in patch) return handleDirectiveInMergeMap(patch[directiveMarker], patch);
  applyRetainKeysDirective(original, patch);
  mergePatchIntoOriginal(original, patch, schema);
  for (const key of Object.keys(patch)) {
    const patchV = patch[key];
    let k = key;
    let isDeleteList = false;
    if (k.startsWith(deleteFromPrimitiveListDirectivePrefix)) {
      k = extractKey(k, deleteFromPrimitiveListDirectivePrefix);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete original[k];
      continue;
    }
    if (!(k in original)) {
      if (!isDeleteList) {
        discardNullValuesFromPatch(patchV);
        const [v, keep] = removeDirectives(patchV);
        if (keep) original[k] = v;
        else delete original[k];
      }
      continue;
    }
    const ok = goKind(original[k]);
    const pk = goKind(patchV);
    if (ok !== pk) {
      if (!isDeleteList) {
        discardNullValuesFromPatch(patchV);
        const [v, keep] = removeDirectives(patchV);
        if (keep) original[k] = v;
        else delete original[k];
      }
      continue;
    }
    if (ok === "map") {
      const { schema: sub, meta } = schema.forStruct(k);
      const [, strategy] = extractRetainKeysPatchStrategy(meta.strategies);
      original[k] = strategy !== replaceDirective ? mergeMap(original[k] as JsonMap, patchV as JsonMap, sub) : patchV;
    } else if (ok === "slice") {
      const { schema: sub, meta } = schema.forSlice(k);
      const [, strategy] = extractRetainKeysPatchStrategy(meta.strategies);
      original[k] = mergeSliceHandler(
        original[k] as Json[],
        patchV as Json[],
        sub,
        strategy,
        meta.mergeKey,
        isDeleteList,
      );
    } else {
      const [v, keep] = removeDirectives(patchV);
      if (keep) original[k] = v;
      else delete original[k];
    }
  }
  return original;
}

function handleDirectiveInMergeMap(directive: Json, patch: JsonMap): JsonMap {
  if (directive === replaceDirective) {
    delete patch[directiveMarker];
    return patch;
  }
  if (directive === deleteDirective) return {};
  throw errBadPatchType(directive, patch);
}

function extractKey(s: string, prefix: string): string {
  const i = s.indexOf("/");
  if (i < 0 || s.slice(0, i) !== prefix) {
    if (prefix === deleteFromPrimitiveListDirectivePrefix) throw errBadPatchFormatForPrimitiveList();
    throw errBadPatchFormatForSetElementOrderList();
  }
  return s.slice(i + 1);
}

function applyRetainKeysDirective(original: JsonMap, patch: JsonMap): void {
  if (!(retainKeysDirective in patch)) return;
  const retain = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(retain)) throw errBadPatchFormatForRetainKeys();
  const keep = (k: string) => retain.some((r) => goEqual(r, k));
  for (const [k, v] of Object.entries(patch)) {
    if (
      v === null ||
      k.startsWith(deleteFromPrimitiveListDirectivePrefix) ||
      k.startsWith(setElementOrderDirectivePrefix)
    )
      continue;
    if (!keep(k)) throw errBadPatchFormatForRetainKeys();
  }
  for (const k of Object.keys(original)) if (!keep(k)) delete original[k];
}

function mergePatchIntoOriginal(original: JsonMap, patch: JsonMap, schema: PatchMetaLookup): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderDirectivePrefix)) continue;
    const setOrder = patch[key];
    delete patch[key];
    if (!Array.isArray(setOrder)) throw errBadArgType(SLICE_TYPE, setOrder);
    const originalKey = extractKey(key, setElementOrderDirectivePrefix);
    const foundOriginal = originalKey in original;
    const foundPatch = originalKey in patch;
    let originalFieldValue: Json[] = [];
    let patchFieldValue: Json[] = [];
    if (foundOriginal) {
      if (!Array.isArray(original[originalKey])) throw errBadArgType(SLICE_TYPE, original[originalKey]);
      originalFieldValue = original[originalKey] as Json[];
    }
    if (foundPatch) {
      if (!Array.isArray(patch[originalKey])) throw errBadArgType(SLICE_TYPE, patch[originalKey]);
      patchFieldValue = patch[originalKey] as Json[];
    }
    const { schema: sub, meta } = schema.forSlice(originalKey);
    const [, strategy] = extractRetainKeysPatchStrategy(meta.strategies);
    validatePatchWithSetOrderList(foundPatch ? patchFieldValue : [], setOrder, meta.mergeKey);
    let merged: Json[];
    if (foundOriginal && !foundPatch) merged = originalFieldValue;
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchFieldValue)[0] as Json[];
    else if (foundOriginal && foundPatch)
      merged = mergeSliceHandler(originalFieldValue, patchFieldValue, sub, strategy, meta.mergeKey, false);
    else continue;
    const [patchItems, serverOnly] =
      meta.mergeKey === ""
        ? partitionPrimitivesByPresentInList(merged, setOrder)
        : partitionMapsByPresentInList(merged, setOrder, meta.mergeKey);
    const kind = sliceElementKind(originalFieldValue, patchFieldValue);
    original[originalKey] = normalizeElementOrder(
      patchItems,
      serverOnly,
      setOrder,
      originalFieldValue,
      meta.mergeKey,
      kind,
    );
    delete patch[originalKey];
  }
}

function validatePatchWithSetOrderList(patchList: Json[], setOrder: Json[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey !== "" ? extractToDeleteItems(patchList)[0] : patchList;
  let pi = 0;
  let si = 0;
  while (pi < nonDelete.length && si < setOrder.length) {
    if (containsDirectiveMarker(nonDelete[pi])) {
      pi++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[pi], setOrder[si], mergeKey)) pi++;
    si++;
  }
  if (pi < nonDelete.length && si >= setOrder.length)
    throw new StrategicMergePatchError(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${setElementOrderDirectivePrefix} list:\n${goFormat(setOrder)}\n`,
    );
}

function containsDirectiveMarker(item: Json): boolean {
  return isMap(item) && directiveMarker in item;
}

function mergeKeyValueEqual(left: Json, right: Json, mergeKey: string): boolean {
  if (mergeKey === "") return goEqual(left, right);
  if (!isMap(left)) throw errBadArgType(MAP_TYPE, left);
  if (!isMap(right)) throw errBadArgType(MAP_TYPE, right);
  if (!(mergeKey in left)) throw errNoMergeKey(left, mergeKey);
  if (!(mergeKey in right)) throw errNoMergeKey(right, mergeKey);
  return goEqual(left[mergeKey], right[mergeKey]);
}

function partitionPrimitivesByPresentInList(original: Json[], partitionBy: Json[]): [Json[], Json[]] {
  const patch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const v of original) (partitionBy.some((p) => goEqual(p, v)) ? patch : serverOnly).push(v);
  return [patch, serverOnly];
}

function partitionMapsByPresentInList(original: Json[], partitionBy: Json[], mergeKey: string): [Json[], Json[]] {
  const patch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const v of original) {
    if (!isMap(v)) throw errBadArgType(MAP_TYPE, v);
    if (!(mergeKey in v)) throw errNoMergeKey(v, mergeKey);
    const found = findMapInSliceBasedOnKeyValue(partitionBy, mergeKey, v[mergeKey]);
    (found ? patch : serverOnly).push(v);
  }
  return [patch, serverOnly];
}

/** Returns the value to use instead and whether the field or element is kept at all. */
function removeDirectives(obj: Json): [Json, boolean] {
  if (isMap(obj)) {
    if (directiveMarker in obj) return [null, false];
    for (const k of Object.keys(obj)) {
      const [v, keep] = removeDirectives(obj[k]);
      if (keep) obj[k] = v;
      else delete obj[k];
    }
    return [obj, true];
  }
  if (Array.isArray(obj)) {
    const res: Json[] = [];
    for (const v of obj) {
      const [nv, keep] = removeDirectives(v);
      if (keep) res.push(nv);
    }
    return [res, true];
  }
  return [obj, true];
}

function discardNullValuesFromPatch(v: Json): void {
  if (isMap(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNullValuesFromPatch(v[k]);
    }
  } else if (Array.isArray(v)) {
    for (const e of v) discardNullValuesFromPatch(e);
  }
}

function mergeSliceHandler(
  original: Json[],
  patch: Json[],
  schema: PatchMetaLookup,
  strategy: string,
  mergeKey: string,
  isDeleteList: boolean,
): Json[] {
  if (strategy === mergeDirective || isDeleteList) return mergeSlice(original, patch, mergeKey, schema, isDeleteList);
  return patch;
}

function mergeSlice(
  original: Json[],
  patch: Json[],
  mergeKey: string,
  schema: PatchMetaLookup,
  isDeleteList: boolean,
): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: Json[];
  if (kind !== "map") {
    if (isDeleteList) return deleteFromSlice(original, patch);
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (mergeKey === "") throw new StrategicMergePatchError("cannot merge lists without merge key for struct");
    [original, patch] = mergeSliceWithSpecialElements(original, patch, mergeKey);
    merged = mergeSliceWithoutSpecialElements(original, patch, mergeKey, schema);
  }
  const [patchItems, serverOnly] =
    mergeKey === ""
      ? partitionPrimitivesByPresentInList(merged, patch)
      : partitionMapsByPresentInList(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

function mergeSliceWithSpecialElements(original: Json[], patch: Json[], mergeKey: string): [Json[], Json[]] {
  const without: Json[] = [];
  let replace = false;
  for (const v of patch) {
    const m = v as JsonMap;
    if (!(directiveMarker in m)) {
      without.push(v);
      continue;
    }
    const t = m[directiveMarker];
    if (t === deleteDirective) {
      if (!(mergeKey in m)) throw errNoMergeKey(m, mergeKey);
      original = deleteMatchingEntries(original, mergeKey, m[mergeKey]);
    } else if (t === replaceDirective) {
      replace = true;
    } else if (t === mergeDirective) {
      throw new StrategicMergePatchError("merging lists cannot yet be specified in the patch");
    } else {
      throw errBadPatchType(t, m);
    }
  }
  return replace ? [without, []] : [original, without];
}

function deleteMatchingEntries(original: Json[], mergeKey: string, value: Json): Json[] {
  for (;;) {
    const found = findMapInSliceBasedOnKeyValue(original, mergeKey, value);
    if (!found) return original;
    original = [...original.slice(0, found.index), ...original.slice(found.index + 1)];
  }
}

function mergeSliceWithoutSpecialElements(
  original: Json[],
  patch: Json[],
  mergeKey: string,
  schema: PatchMetaLookup,
): Json[] {
  for (const v of patch) {
    const m = v as JsonMap;
    if (!(mergeKey in m)) throw errNoMergeKey(m, mergeKey);
    const found = findMapInSliceBasedOnKeyValue(original, mergeKey, m[mergeKey]);
    if (found) original[found.index] = mergeMap(found.map, m, schema);
    else original = [...original, v];
  }
  return original;
}

function deleteFromSlice(current: Json[], toDelete: Json[]): Json[] {
  return current.filter((v) => !toDelete.some((d) => goEqual(d, v)));
}

function findMapInSliceBasedOnKeyValue(
  list: Json[],
  key: string,
  value: Json,
): { map: JsonMap; index: number } | undefined {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isMap(v)) throw new StrategicMergePatchError(`value for key ${i} is not a map`);
    if (key in v && goEqual(v[key], value)) return { map: v, index: i };
  }
  return undefined;
}

/** Go's in-place dedup: a later duplicate is overwritten by the last element, so order changes. */
function deduplicateScalars(s: Json[]): Json[] {
  s = [...s];
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (goEqual(s[i], s[j])) {
        s[j] = s[length];
        s = s.slice(0, length);
        length--;
        j--;
      }
    }
  }
  return s;
}

function sliceElementKind(...slices: Json[][]): GoKind {
  let prev: GoKind | undefined;
  for (const s of slices) {
    for (const v of s) {
      const k = goKind(v);
      if (prev === undefined) {
        prev = k;
        if (prev === "slice") throw errNoListOfLists();
      } else if (prev !== k) {
        throw new StrategicMergePatchError(`list element types are not identical: ${goFormat(slices)}`);
      }
    }
  }
  if (prev === undefined) throw new StrategicMergePatchError("no elements in any of the given slices");
  return prev;
}

function normalizeElementOrder(
  patch: Json[],
  serverOnly: Json[],
  patchOrder: Json[],
  serverOrder: Json[],
  mergeKey: string,
  kind: GoKind,
): Json[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function indexOf(list: Json[], val: Json, mergeKey: string, kind: GoKind): number {
  const get = (item: Json) => (kind === "map" ? (isMap(item) ? item[mergeKey] : null) : item);
  const want = get(val);
  for (let i = 0; i < list.length; i++) if (goEqual(want, get(list[i]))) return i;
  return -1;
}

function mergeSortedSlice(left: Json[], right: Json[], serverOrder: Json[], mergeKey: string, kind: GoKind): Json[] {
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  const size = left.length + right.length;
  for (let k = 0; k < size; k++) {
    if (i >= left.length && j < right.length) out.push(right[j++]);
    else if (j >= right.length && i < left.length) out.push(left[i++]);
    else {
      const li = indexOf(serverOrder, left[i], mergeKey, kind);
      const ri = indexOf(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function extractToDeleteItems(l: Json[]): [Json[], Json[]] {
  const nonDelete: Json[] = [];
  const toDelete: Json[] = [];
  for (const v of l) {
    if (!isMap(v)) throw errBadArgType(MAP_TYPE, v);
    if (directiveMarker in v && v[directiveMarker] === deleteDirective) toDelete.push(v);
    else nonDelete.push(v);
  }
  return [nonDelete, toDelete];
}

function validateMergeKeyInLists(mergeKey: string, ...lists: Json[][]): void {
  if (mergeKey === "") throw new StrategicMergePatchError("empty merge key");
  for (const l of lists)
    for (const v of l) {
      if (!isMap(v)) throw errBadArgType(MAP_TYPE, v);
      if (!(mergeKey in v)) throw errNoMergeKey(v, mergeKey);
    }
}

function normalizeSliceOrder(toSort: Json[], order: Json[], mergeKey: string, kind: GoKind): Json[] {
  let toDelete: Json[] = [];
  let items = [...toSort];
  if (kind === "map") {
    validateMergeKeyInLists(mergeKey, items, order);
    [items, toDelete] = extractToDeleteItems(items);
  }
  // The comparator is not a strict order (an item missing from `order` is "less" than anything), so the
  // result depends on the algorithm: this is Go's sort.SliceStable, step for step.
  goStableSort(items, (a, b) => {
    const ia = indexOf(order, a, mergeKey, kind);
    if (ia >= 0) {
      const ib = indexOf(order, b, mergeKey, kind);
      if (ib >= 0) return ia < ib;
    }
    return true;
  });
  return [...items, ...toDelete];
}

/** Go's sort.SliceStable (insertion sort in blocks of 20, then SymMerge), with less(a, b) on elements. */
export function goStableSort<T>(data: T[], lessFn: (a: T, b: T) => boolean): void {
  const less = (i: number, j: number) => lessFn(data[i] as T, data[j] as T);
  const swap = (i: number, j: number) => {
    const t = data[i] as T;
    data[i] = data[j] as T;
    data[j] = t;
  };
  const insertionSort = (a: number, b: number) => {
    for (let i = a + 1; i < b; i++) for (let j = i; j > a && less(j, j - 1); j--) swap(j, j - 1);
  };
  const swapRange = (a: number, b: number, n: number) => {
    for (let i = 0; i < n; i++) swap(a + i, b + i);
  };
  const rotate = (a: number, m: number, b: number) => {
    let i = m - a;
    let j = b - m;
    while (i !== j) {
      if (i > j) {
        swapRange(m - i, m, j);
        i -= j;
      } else {
        swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    swapRange(m - i, m, i);
  };
  const symMerge = (a: number, m: number, b: number): void => {
    if (m - a === 1) {
      let i = m;
      let j = b;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (less(h, a)) i = h + 1;
        else j = h;
      }
      for (let k = a; k < i - 1; k++) swap(k, k + 1);
      return;
    }
    if (b - m === 1) {
      let i = a;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!less(m, h)) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) swap(k, k - 1);
      return;
    }
    const mid = (a + b) >>> 1;
    const n = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = n - b;
      r = mid;
    } else {
      start = a;
      r = m;
    }
    const p = n - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!less(p - c, c)) start = c + 1;
      else r = c;
    }
    const end = n - start;
    if (start < m && m < end) rotate(start, m, end);
    if (a < start && start < mid) symMerge(a, start, mid);
    if (mid < end && end < b) symMerge(mid, end, b);
  };
  const n = data.length;
  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= n) {
    insertionSort(a, b);
    a = b;
    b += blockSize;
  }
  insertionSort(a, n);
  while (blockSize < n) {
    a = 0;
    b = 2 * blockSize;
    while (b <= n) {
      symMerge(a, a + blockSize, b);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < n) symMerge(a, m, n);
    blockSize *= 2;
  }
}

function extractRetainKeysPatchStrategy(strategies: string[]): [boolean, string] {
  if (strategies.length === 0) return [false, ""];
  if (strategies.length === 1) {
    const s = strategies[0] as string;
    return s === retainKeysStrategy ? [true, ""] : [false, s];
  }
  if (strategies.length === 2) {
    if (strategies[0] === retainKeysStrategy) return [true, strategies[1] as string];
    if (strategies[1] === retainKeysStrategy) return [true, strategies[0] as string];
  }
  throw new StrategicMergePatchError(`unexpected patch strategy: ${goFormat(strategies)}`);
}
