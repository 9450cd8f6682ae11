// The custom resources a virtual cluster serves, kept current from its watch cache: every change of a
// CustomResourceDefinition rebuilds what its resources are served as (resource types per served version, the
// version converter of the group-resource) and tells whoever listens (discovery, OpenAPI).
import type { Logger } from "@evk/observability";
import type { WatchCache } from "@evk/store";
import type { Conversions } from "../conversion.ts";
import type { ResourceType } from "../resources.ts";
import {
  convertVersion,
  customResourceType,
  type ServedDefinition,
  servedDefinition,
  servesVersion,
} from "./custom-resource.ts";
import { type CRD, GROUP } from "./types.ts";

export const CRDS = { group: GROUP, resource: "customresourcedefinitions" };

interface Entry {
  def: ServedDefinition;
  types: Map<string, ResourceType>;
  unregister?: () => void;
}

export class CustomResources {
  private readonly cache: WatchCache;
  private readonly conversions: Conversions | undefined;
  private readonly log: Logger | undefined;
  /** By definition name (<plural>.<group>). */
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private watcher: { stop(): void } | undefined;
  private generation = 0;

  constructor(cache: WatchCache, conversions?: Conversions, log?: Logger) {
    this.cache = cache;
    this.conversions = conversions;
    this.log = log;
  }

  start(): void {
    this.watcher = this.cache.watch(CRDS, { fromRevision: 0 }, (ev) => {
      if (ev.type === "BOOKMARK") return;
      const name = ev.object.metadata.name as string;
      if (ev.type === "DELETED") this.remove(name);
      else this.set(ev.object as CRD);
      this.generation++;
      for (const l of this.listeners) l();
    });
  }

  stop(): void {
    this.watcher?.stop();
    for (const e of this.entries.values()) e.unregister?.();
    this.entries.clear();
  }

  /** Called after every change of any definition. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Increases with every change: a cheap key for caches derived from the definitions. */
  get version(): number {
    return this.generation;
  }

  private remove(name: string): void {
    this.entries.get(name)?.unregister?.();
    this.entries.delete(name);
  }

  private set(crd: CRD): void {
    const name = crd.metadata.name as string;
    this.remove(name);
    let def: ServedDefinition;
    try {
      def = servedDefinition(crd);
    } catch (err) {
      this.log?.warn({ crd: name, err: (err as Error).message }, "custom resource definition cannot be served");
      return;
    }
    const types = new Map<string, ResourceType>();
    for (const v of def.versions) if (v.served) types.set(v.name, customResourceType(def, v));
    const entry: Entry = { def, types };
    if (this.conversions && def.plural && def.versions.length > 1 && def.storageVersion)
      entry.unregister = this.conversions.register(
        { group: def.group, resource: def.plural },
        { storageVersion: def.storageVersion, convert: (obj, to) => convertVersion(def, obj, to) },
      );
    this.entries.set(name, entry);
  }

  /** The type a request for `<group>/<version>/<resource>` is served as, if a definition serves it. */
  lookup(group: string, version: string, resource: string): ResourceType | undefined {
    const e = this.entries.get(`${resource}.${group}`);
    if (!e || e.def.plural !== resource || !servesVersion(e.def, version)) return undefined;
    return e.types.get(version);
  }

  /** Every definition, as served. */
  definitions(): ServedDefinition[] {
    return [...this.entries.values()].map((e) => e.def);
  }

  /** The resource types of every established definition's served versions. */
  established(): ResourceType[] {
    const out: ResourceType[] = [];
    for (const e of this.entries.values()) if (e.def.established) out.push(...e.types.values());
    return out;
  }

  /**
   * Where custom resources are stored, one entry per definition whatever its versions: what a namespace's
   * deletion must empty.
   */
  storageResources(): { group: string; resource: string; namespaced: boolean }[] {
    return this.definitions()
      .filter((d) => d.plural !== "")
      .map((d) => ({ group: d.group, resource: d.plural, namespaced: d.namespaced }));
  }
}
