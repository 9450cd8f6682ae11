// The controllers kube-apiserver runs for CustomResourceDefinitions (apiextensions-apiserver pkg/controller):
// naming (accepted names and the NamesAccepted condition, conflicts within a group), establishing (Established
// once names are accepted), API approval (KubernetesAPIApprovalPolicyConformant for protected groups) and the
// finalizer (a deleted definition's custom resources are removed, then the definition). Driven by the watch
// cache, one definition worked on at a time; writes are compare-and-swap updates of the definition's status.
import { isStatusError, type KubeObject } from "@evk/kube";
import type { Logger } from "@evk/observability";
import type { Store, WatchCache } from "@evk/store";
import { deleteHonouringFinalizers } from "../deletion.ts";
import { normalizeCRD } from "./crd-behaviour.ts";
import { apiApprovalState } from "./crd-validation.ts";
import { CRDS } from "./registry.ts";
import {
  acceptedNamesOf,
  CLEANUP_FINALIZER,
  type CRD,
  type CRDCondition,
  type CRDNames,
  type CRDStatus,
  conditionOf,
  isConditionTrue,
  isObject,
  namesOf,
  specOf,
  statusOf,
  withCondition,
} from "./types.ts";

type Condition = Omit<CRDCondition, "lastTransitionTime">;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const names = (n: CRDNames) => ({
  plural: n.plural ?? "",
  singular: n.singular ?? "",
  shortNames: n.shortNames ?? [],
  kind: n.kind ?? "",
  listKind: n.listKind ?? "",
  categories: n.categories ?? [],
});

/** equalToAcceptedOrFresh. */
function conflict(requested: string, accepted: string, used: Set<string>): string | undefined {
  if (requested === accepted || !used.has(requested)) return undefined;
  return `${JSON.stringify(requested)} is already in use`;
}

/** The naming controller's answer for one definition, given the others of its group. */
export function calculateNames(
  crd: CRD,
  others: CRD[],
): { accepted: CRDNames; namesAccepted: Condition; established: Condition } {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const o of others) {
    if (specOf(o).group !== specOf(crd).group) continue;
    const a = acceptedNamesOf(o);
    for (const n of [a.plural, a.singular, ...(a.shortNames ?? [])]) resources.add(n ?? "");
    kinds.add(a.kind ?? "");
    kinds.add(a.listKind ?? "");
  }
  const requested = namesOf(crd);
  const accepted = acceptedNamesOf(crd);
  const out: CRDNames = { ...accepted };
  const cond: Condition = { type: "NamesAccepted", status: "Unknown" };
  const fail = (reason: string, message: string) => {
    cond.status = "False";
    cond.reason = reason;
    cond.message = message;
  };
  let e = conflict(requested.plural ?? "", accepted.plural ?? "", resources);
  if (e) fail("PluralConflict", e);
  else out.plural = requested.plural;
  e = conflict(requested.singular ?? "", accepted.singular ?? "", resources);
  if (e) fail("SingularConflict", e);
  else out.singular = requested.singular;
  if (!same(requested.shortNames, accepted.shortNames)) {
    const mine = new Set(accepted.shortNames ?? []);
    const errs = (requested.shortNames ?? [])
      .filter((s) => !mine.has(s))
      .map((s) => conflict(s, "", resources))
      .filter((x) => x);
    if (errs.length) fail("ShortNamesConflict", errs.length === 1 ? (errs[0] as string) : `[${errs.join(", ")}]`);
    else if (requested.shortNames === undefined) delete out.shortNames;
    else out.shortNames = requested.shortNames;
  }
  e = conflict(requested.kind ?? "", accepted.kind ?? "", kinds);
  if (e) fail("KindConflict", e);
  else out.kind = requested.kind;
  e = conflict(requested.listKind ?? "", accepted.listKind ?? "", kinds);
  if (e) fail("ListKindConflict", e);
  else out.listKind = requested.listKind;
  if (requested.categories === undefined) delete out.categories;
  else out.categories = requested.categories;
  if (cond.status === "Unknown") {
    cond.status = "True";
    cond.reason = "NoConflicts";
    cond.message = "no conflicts found";
  }
  let established: Condition = conditionOf(crd, "Established") ?? {
    type: "Established",
    status: "False",
    reason: "NotAccepted",
    message: "not all names are accepted",
  };
  if (established.status !== "True" && cond.status === "True")
    established = {
      type: "Established",
      status: "False",
      reason: "Installing",
      message: "the initial names have been accepted",
    };
  for (const k of Object.keys(out) as (keyof CRDNames)[]) if (out[k] === undefined) delete out[k];
  return { accepted: out, namesAccepted: cond, established };
}

const equivalent = (a: Condition | undefined, b: Condition | undefined) =>
  (!a && !b) ||
  (!!a && !!b && a.type === b.type && a.status === b.status && a.reason === b.reason && a.message === b.message);

function caBundleInvalid(crd: CRD): boolean {
  const cc = specOf(crd).conversion?.webhook?.clientConfig;
  if (!isObject(cc)) return false;
  const bundle = typeof cc.caBundle === "string" ? Buffer.from(cc.caBundle, "base64").toString("utf8") : "";
  if (bundle === "") return false;
  return !/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(bundle);
}

export class CRDController {
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly log: Logger;
  private readonly queue = new Set<string>();
  private readonly busy = new Set<string>();
  private watcher: { stop(): void } | undefined;
  private stopped = false;
  private readonly retries = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(store: Store, cache: WatchCache, log: Logger) {
    this.store = store;
    this.cache = cache;
    this.log = log;
  }

  start(): void {
    this.watcher = this.cache.watch(CRDS, { fromRevision: 0 }, (ev) => {
      if (ev.type === "BOOKMARK") return;
      const name = ev.object.metadata.name as string;
      this.enqueue(name);
      // A deleted or renamed definition may free names another of its group waits for.
      if (
        ev.type === "DELETED" ||
        !same(acceptedNamesOf(ev.object as CRD), acceptedNamesOf((ev.prevObject ?? {}) as CRD))
      )
        for (const o of this.others(ev.object as CRD)) this.enqueue(o.metadata.name as string);
    });
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.stop();
    for (const t of this.timers) clearTimeout(t);
  }

  private others(crd: CRD): CRD[] {
    return this.cache
      .list(CRDS)
      .items.map((i) => i.object as CRD)
      .filter((o) => o.metadata.name !== crd.metadata.name && specOf(o).group === specOf(crd).group);
  }

  private enqueue(name: string, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.enqueue(name);
      }, delayMs);
      t.unref();
      this.timers.add(t);
      return;
    }
    this.queue.add(name);
    void this.drain(name);
  }

  private async drain(name: string): Promise<void> {
    if (this.busy.has(name)) return;
    this.busy.add(name);
    try {
      while (this.queue.has(name) && !this.stopped) {
        this.queue.delete(name);
        try {
          await this.sync(name);
          this.retries.delete(name);
        } catch (err) {
          const n = (this.retries.get(name) ?? 0) + 1;
          this.retries.set(name, n);
          if (!isStatusError(err, "NotFound"))
            this.log.warn(
              { crd: name, err: (err as Error).message },
              "custom resource definition sync failed; retrying",
            );
          this.enqueue(name, Math.min(30_000, 100 * 2 ** n));
        }
      }
    } finally {
      this.busy.delete(name);
    }
  }

  private ref(name: string) {
    return { ...CRDS, name };
  }

  /** A status write: the definition as `change` makes it from its current state; nothing when unchanged. */
  private async writeStatus(name: string, change: (crd: CRD) => CRD | undefined): Promise<CRD | undefined> {
    let out: CRD | undefined;
    await this.store.guaranteedUpdate(this.ref(name), (cur) => {
      const next = change(cur as CRD);
      out = next;
      return next ? (normalizeCRD(next) as KubeObject) : cur;
    });
    return out;
  }

  private async sync(name: string): Promise<void> {
    let crd: CRD;
    try {
      crd = (await this.store.get(this.ref(name))) as CRD;
    } catch (err) {
      if (isStatusError(err, "NotFound")) return;
      throw err;
    }
    if (crd.metadata.deletionTimestamp && (crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) {
      await this.finalize(name);
      return;
    }
    if (!same(names(namesOf(crd)), names(acceptedNamesOf(crd)))) {
      await this.writeStatus(name, (cur) => {
        const { accepted, namesAccepted, established } = calculateNames(cur, this.others(cur));
        if (
          same(names(acceptedNamesOf(cur)), names(accepted)) &&
          equivalent(namesAccepted, conditionOf(cur, "NamesAccepted"))
        )
          return undefined;
        let status: CRDStatus = { ...statusOf(cur), acceptedNames: accepted };
        status = withCondition(status, namesAccepted);
        status = withCondition(status, established);
        return { ...cur, status };
      });
      // Our names may free or take names the others of the group wait on.
      for (const o of this.others(crd)) this.enqueue(o.metadata.name as string);
    }
    await this.writeStatus(name, (cur) => {
      if (!isConditionTrue(cur, "NamesAccepted") || isConditionTrue(cur, "Established")) return undefined;
      const cond: Condition = caBundleInvalid(cur)
        ? {
            type: "Established",
            status: "False",
            reason: "InvalidCABundle",
            message: "The conversion webhook CABundle is invalid",
          }
        : {
            type: "Established",
            status: "True",
            reason: "InitialNamesAccepted",
            message: "the initial names have been accepted",
          };
      return { ...cur, status: withCondition(statusOf(cur), cond) };
    });
    await this.writeStatus(name, (cur) => {
      const cond = approvalCondition(cur);
      if (!cond) return undefined;
      const old = conditionOf(cur, "KubernetesAPIApprovalPolicyConformant");
      if (old && old.status === cond.status && old.reason === cond.reason && old.message === cond.message)
        return undefined;
      return { ...cur, status: withCondition(statusOf(cur), cond) };
    });
  }

  /** The finalizer: Terminating, every custom resource deleted (and gone), then the definition released. */
  private async finalize(name: string): Promise<void> {
    const started = await this.writeStatus(name, (cur) => ({
      ...cur,
      status: withCondition(statusOf(cur), {
        type: "Terminating",
        status: "True",
        reason: "InstanceDeletionInProgress",
        message: "CustomResource deletion is in progress",
      }),
    }));
    if (!started) return;
    let done: Condition;
    if (isConditionTrue(started, "Established")) done = await this.deleteInstances(started);
    else
      done = {
        type: "Terminating",
        status: "False",
        reason: "NeverEstablished",
        message: "resource was never established",
      };
    if (done.status === "True") {
      await this.writeStatus(name, (cur) => ({ ...cur, status: withCondition(statusOf(cur), done) }));
      throw new Error(done.message);
    }
    const released = await this.writeStatus(name, (cur) => ({
      ...cur,
      metadata: { ...cur.metadata, finalizers: (cur.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) },
      status: withCondition(statusOf(cur), done),
    }));
    if (released?.metadata.deletionTimestamp) {
      const current = (await this.store.get(this.ref(name))) as CRD;
      if ((current.metadata.finalizers ?? []).length === 0)
        await this.store.delete(this.ref(name), { uid: current.metadata.uid as string }).catch((err) => {
          if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) throw err;
        });
      this.log.info({ crd: name }, "custom resource definition finalized");
    }
  }

  private async deleteInstances(crd: CRD): Promise<Condition> {
    const resource = {
      group: specOf(crd).group ?? "",
      resource: acceptedNamesOf(crd).plural || (namesOf(crd).plural ?? ""),
    };
    try {
      for (const o of (await this.store.list(resource)).items) {
        if (o.metadata.deletionTimestamp) continue;
        const ref = { ...resource, namespace: o.metadata.namespace, name: o.metadata.name as string };
        await deleteHonouringFinalizers(this.store, resource, ref).catch((err) => {
          if (!isStatusError(err, "NotFound")) throw err;
        });
      }
    } catch (err) {
      return {
        type: "Terminating",
        status: "True",
        reason: "InstanceDeletionFailed",
        message: `could not issue all deletes: ${(err as Error).message}`,
      };
    }
    // Wait for what finalizers hold, as kube polls for a minute.
    const deadline = Date.now() + 60_000;
    for (let wait = 100; ; wait = Math.min(wait * 2, 5_000)) {
      const left = (await this.store.list(resource, { limit: 1 })).items.length;
      if (left === 0) break;
      if (Date.now() > deadline || this.stopped)
        return {
          type: "Terminating",
          status: "True",
          reason: "InstanceDeletionCheck",
          message: "could not confirm zero CustomResources remaining: timed out waiting for the condition",
        };
      await new Promise((r) => setTimeout(r, wait));
    }
    return {
      type: "Terminating",
      status: "False",
      reason: "InstanceDeletionCompleted",
      message: "removed all instances",
    };
  }
}

const isProtected = (g: string) =>
  g === "k8s.io" || g.endsWith(".k8s.io") || g === "kubernetes.io" || g.endsWith(".kubernetes.io");

function approvalCondition(crd: CRD): Condition | undefined {
  if (!isProtected(specOf(crd).group ?? "")) return undefined;
  const { state, reason } = apiApprovalState(crd);
  const type = "KubernetesAPIApprovalPolicyConformant";
  switch (state) {
    case "invalid":
      return { type, status: "False", reason: "InvalidAnnotation", message: reason };
    case "missing":
      return { type, status: "False", reason: "MissingAnnotation", message: reason };
    case "approved":
      return { type, status: "True", reason: "ApprovedAnnotation", message: reason };
    default:
      return { type, status: "False", reason: "UnapprovedAnnotation", message: reason };
  }
}
