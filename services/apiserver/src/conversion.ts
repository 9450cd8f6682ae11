import type { KubeObject } from "@evk/kube";
import { hpaConverter } from "./autoscaling-v1.ts";

// Resources served in more than one version keep one stored form (the storage version) and convert at the
// edges, as kube-apiserver does: every object read, listed or sent in a watch event is converted to the
// version of the request, and every object written (a create or update body, the result of a patch, whose
// base is the stored object converted to the request's version) is converted to the storage version before
// the rest of the write path (defaulting, validation, storage) sees it.
//
// Built-in resources register here once; custom resources register and unregister as their definitions
// come and go (`register` returns the undo). A resource with no converter is served in one version only and
// passes through untouched.

export type MaybePromise<T> = T | Promise<T>;

/** How one resource's objects move between the versions it is served in. */
export interface VersionConverter {
  /** The version objects are stored in. */
  readonly storageVersion: string;
  /**
   * `obj`, in the version its apiVersion names, as `toVersion`: a new object whose apiVersion is
   * `<group>/<toVersion>`; `obj` itself is never changed. May throw a StatusError (a failed webhook, say),
   * which the request then answers with.
   */
  convert(obj: KubeObject, toVersion: string): MaybePromise<KubeObject>;
}

/** The versions of a group-qualified resource, e.g. `{ group: "autoscaling", resource: "horizontalpodautoscalers" }`. */
export interface GroupResource {
  group: string;
  resource: string;
}

const keyOf = (r: GroupResource) => `${r.group}/${r.resource}`;

/** Built-in resources served in a version other than the one they are stored in. */
const BUILT_IN: [GroupResource, VersionConverter][] = [
  [{ group: "autoscaling", resource: "horizontalpodautoscalers" }, hpaConverter],
];

/** The storage version of a built-in resource that has several (discovery's storageVersionHash). */
export function builtInStorageVersion(r: GroupResource): string | undefined {
  return BUILT_IN.find(([gr]) => keyOf(gr) === keyOf(r))?.[1].storageVersion;
}

const versionOf = (apiVersion: string | undefined) => (apiVersion ?? "").split("/").pop() ?? "";

/** The converters of one virtual cluster's API: the built-in ones, and whatever is registered later. */
export class Conversions {
  private readonly converters = new Map<string, VersionConverter>(BUILT_IN.map(([gr, c]) => [keyOf(gr), c]));

  /** Serves `r` through `converter` from now on; the returned function undoes exactly this registration. */
  register(r: GroupResource, converter: VersionConverter): () => void {
    const key = keyOf(r);
    this.converters.set(key, converter);
    return () => {
      if (this.converters.get(key) === converter) this.converters.delete(key);
    };
  }

  get(r: GroupResource): VersionConverter | undefined {
    return this.converters.get(keyOf(r));
  }

  /** The version `r` is stored in, when it has a converter. */
  storageVersion(r: GroupResource): string | undefined {
    return this.get(r)?.storageVersion;
  }

  /** True when requests for `t` need converting: it has a converter and `t.version` is not its storage version. */
  converts(t: GroupResource & { version: string }): boolean {
    const c = this.get(t);
    return c !== undefined && c.storageVersion !== t.version;
  }

  /** A stored object (or one in any served version) as `t.version`. Untouched when already in it. */
  toVersion(t: GroupResource & { version: string }, obj: KubeObject): MaybePromise<KubeObject> {
    const c = this.get(t);
    if (!c || versionOf(obj.apiVersion) === t.version) return obj;
    return c.convert(obj, t.version);
  }

  /** An object in a served version as its storage version. Untouched when already in it. */
  toStorage(r: GroupResource, obj: KubeObject): MaybePromise<KubeObject> {
    const c = this.get(r);
    if (!c || versionOf(obj.apiVersion) === c.storageVersion) return obj;
    return c.convert(obj, c.storageVersion);
  }
}

/**
 * Keeps the results of conversions in the order they were started, for a watch stream whose events must
 * go out in revision order even when a converter answers asynchronously. Synchronous results go out at once
 * while nothing is pending, so the common case costs no promise.
 */
export function inOrder(): <T>(
  work: () => MaybePromise<T>,
  then: (v: T) => void,
  fail: (err: unknown) => void,
) => void {
  let tail: Promise<void> | undefined;
  let failed = false;
  const track = (p: Promise<void>) => {
    const t: Promise<void> = p.finally(() => {
      if (tail === t) tail = undefined;
    });
    return t;
  };
  return (work, then, fail) => {
    const onError = (err: unknown) => {
      if (failed) return;
      failed = true;
      fail(err);
    };
    const run = (): Promise<void> | undefined => {
      if (failed) return undefined;
      let v: ReturnType<typeof work>;
      try {
        v = work();
      } catch (err) {
        onError(err);
        return undefined;
      }
      if (!(v instanceof Promise)) {
        then(v);
        return undefined;
      }
      return v.then((x) => {
        if (!failed) then(x);
      }, onError);
    };
    if (tail) {
      tail = track(tail.then(run));
      return;
    }
    const p = run();
    if (p) tail = track(p);
  };
}
