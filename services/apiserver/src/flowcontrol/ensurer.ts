import { randomUUID } from "node:crypto";
import { isStatusError, type KubeObject } from "@evk/kube";
import type { Logger } from "@evk/observability";
import type { Store, WatchCache } from "@evk/store";
import { applyDefaults } from "../defaults/index.ts";
import { semanticEqual } from "../spec-validation/flowcontrol.ts";
import {
  AUTO_UPDATE_ANNOTATION,
  type BootstrapObject,
  bootstrapObject,
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVELS,
} from "./bootstrap.ts";

// kube-apiserver 1.35's APF bootstrap ensurer (pkg/registry/flowcontrol/ensurer and the
// priority-and-fairness-config-producer hook): at start and then every minute, create the mandatory and
// suggested objects that are missing, put back a mandatory object's spec, keep a suggested one current while
// its apf.kubernetes.io/autoupdate-spec annotation says "true" (or, without one, while nobody has changed it),
// and delete auto-updated objects that are no longer part of the configuration.

type Kind = "FlowSchema" | "PriorityLevelConfiguration";

const GROUP = "flowcontrol.apiserver.k8s.io";
const RESOURCE: Record<Kind, string> = {
  FlowSchema: "flowschemas",
  PriorityLevelConfiguration: "prioritylevelconfigurations",
};

/** Go's strconv.ParseBool. */
export function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

/** The bootstrap spec as the server stores it (defaulted), for comparison with what is stored. */
function defaultedSpec(kind: Kind, b: BootstrapObject): Record<string, unknown> {
  return applyDefaults(GROUP, RESOURCE[kind], bootstrapObject(kind, b), { subresource: "spec" }).spec as Record<
    string,
    unknown
  >;
}

/** specEqualish: the exempt level's own limits are not compared (an administrator may set them). */
export function specEqualish(kind: Kind, bootstrap: BootstrapObject, current: KubeObject): boolean {
  const want = structuredClone(defaultedSpec(kind, bootstrap));
  const have = (current.spec ?? {}) as Record<string, unknown>;
  if (kind === "PriorityLevelConfiguration" && bootstrap.name === "exempt") {
    const exempt = have.exempt as Record<string, unknown> | undefined | null;
    if (!exempt) return false;
    want.exempt = {
      ...(want.exempt as Record<string, unknown>),
      nominalConcurrencyShares: exempt.nominalConcurrencyShares,
      lendablePercent: exempt.lendablePercent,
    };
  }
  return semanticEqual(want, have);
}

/**
 * ReviseIfNeeded: the object to write back, or undefined when `current` may stay. Mandatory objects always
 * follow the bootstrap spec; suggested ones only while auto-update is on.
 */
export function reviseIfNeeded(
  kind: Kind,
  current: KubeObject,
  bootstrap: BootstrapObject,
  mandatory: boolean,
): KubeObject | undefined {
  const annotation = current.metadata.annotations?.[AUTO_UPDATE_ANNOTATION];
  const parsed = parseBool(annotation);
  const autoUpdate = mandatory || (parsed ?? current.metadata.generation === 1);
  const updateAnnotation = parsed !== autoUpdate;
  const specChanged = autoUpdate && !specEqualish(kind, bootstrap, current);
  if (!updateAnnotation && !specChanged) return undefined;
  const revised = structuredClone(current);
  if (specChanged) revised.spec = structuredClone(bootstrap.spec);
  if (updateAnnotation)
    revised.metadata.annotations = {
      ...(revised.metadata.annotations ?? {}),
      [AUTO_UPDATE_ANNOTATION]: String(autoUpdate),
    };
  return revised;
}

/** RemoveUnwantedObjects: the stored objects, not in the bootstrap set, that say they are auto-updated. */
export function unwantedObjects(current: KubeObject[], bootstrap: BootstrapObject[]): KubeObject[] {
  const wanted = new Set(bootstrap.map((b) => b.name));
  return current.filter(
    (o) =>
      !wanted.has(o.metadata.name as string) && parseBool(o.metadata.annotations?.[AUTO_UPDATE_ANNOTATION]) === true,
  );
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export class BootstrapEnsurer {
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(store: Store, cache: WatchCache, log: Logger) {
    this.store = store;
    this.cache = cache;
    this.log = log;
  }

  /** Ensures the configuration once (retrying each second until it succeeds), then again every minute. */
  async start(intervalMs = 60_000): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ensure();
        break;
      } catch (err) {
        if (attempt >= 300) throw err;
        this.log.warn({ err: (err as Error).message }, "APF bootstrap ensurer ran into error, will retry");
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.ensure()
        .catch((err) => this.log.warn({ err: (err as Error).message }, "APF bootstrap ensurer ran into error"))
        .finally(() => {
          this.running = undefined;
        });
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass: suggested first, then mandatory, then removal of what is no longer wanted. */
  async ensure(): Promise<void> {
    await this.cache.sync();
    for (const b of SUGGESTED_PRIORITY_LEVELS) await this.ensureOne("PriorityLevelConfiguration", b, false);
    for (const b of SUGGESTED_FLOW_SCHEMAS) await this.ensureOne("FlowSchema", b, false);
    for (const b of MANDATORY_PRIORITY_LEVELS) await this.ensureOne("PriorityLevelConfiguration", b, true);
    for (const b of MANDATORY_FLOW_SCHEMAS) await this.ensureOne("FlowSchema", b, true);
    await this.removeUnwanted("FlowSchema", [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS]);
    await this.removeUnwanted("PriorityLevelConfiguration", [
      ...MANDATORY_PRIORITY_LEVELS,
      ...SUGGESTED_PRIORITY_LEVELS,
    ]);
  }

  private ref(kind: Kind, name: string) {
    return { group: GROUP, resource: RESOURCE[kind], name };
  }

  private async ensureOne(kind: Kind, b: BootstrapObject, mandatory: boolean): Promise<void> {
    const ref = this.ref(kind, b.name);
    const current = this.cache.get(ref)?.object;
    if (!current) {
      const fresh = bootstrapObject(kind, b);
      const obj = applyDefaults(GROUP, RESOURCE[kind], {
        ...fresh,
        metadata: { ...fresh.metadata, uid: randomUUID(), creationTimestamp: now(), generation: 1 },
        status: {},
      });
      try {
        await this.store.create(ref, obj);
        this.log.info({ kind, name: b.name }, "created APF bootstrap object");
      } catch (err) {
        if (!isStatusError(err, "AlreadyExists")) throw err;
      }
      return;
    }
    const revised = reviseIfNeeded(kind, current, b, mandatory);
    if (!revised) return;
    const specChanged = !semanticEqual(current.spec, revised.spec);
    const next = applyDefaults(GROUP, RESOURCE[kind], revised, { operation: "update", old: current });
    next.metadata.generation = (current.metadata.generation ?? 0) + (specChanged ? 1 : 0);
    next.status = current.status;
    try {
      await this.store.update(ref, next, { resourceVersion: current.metadata.resourceVersion as string });
      this.log.info({ kind, name: b.name, specChanged }, "updated APF bootstrap object");
    } catch (err) {
      // Someone else changed it meanwhile: looked at again on the next pass.
      if (!isStatusError(err, "Conflict") && !isStatusError(err, "NotFound")) throw err;
    }
  }

  private async removeUnwanted(kind: Kind, bootstrap: BootstrapObject[]): Promise<void> {
    const items = this.cache.list({ group: GROUP, resource: RESOURCE[kind] }).items.map((i) => i.object);
    for (const o of unwantedObjects(items, bootstrap)) {
      try {
        await this.store.delete(this.ref(kind, o.metadata.name as string));
        this.log.info({ kind, name: o.metadata.name }, "deleted unwanted APF object");
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
      }
    }
  }
}
