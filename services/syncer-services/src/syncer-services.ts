import { Syncer, type SyncerWiring } from "@evk/syncer-runtime";
import {
  ENDPOINT_SLICE_KIND,
  ENDPOINTS_KIND,
  MANAGED_BY_LABEL,
  SERVICE_KIND,
  SERVICE_NAME_LABEL,
  virtualIdentity,
} from "@evk/translate";
import type { V1EndpointSlice, V1Endpoints, V1Service } from "@kubernetes/client-node";
import { EndpointsSync } from "./endpoints-sync.ts";
import { parseWorkKey, workKey } from "./keys.ts";
import { ServiceRefused, ServiceSync } from "./service-sync.ts";

export interface ServiceSyncerSettings {
  /** Host Service in front of the virtual apiserver (default/kubernetes mirrors it). */
  apiserverService: string;
}

const core = (resource: string) => ({ group: "", resource });
const discovery = (resource: string) => ({ group: "discovery.k8s.io", resource });

/** Wires syncer-services: views, informers and the two reconcilers behind one work queue. */
export async function createServiceSyncer(o: SyncerWiring<ServiceSyncerSettings>): Promise<Syncer> {
  const syncer = await Syncer.open("syncer-services", o);
  const { cluster, hostNamespace } = o.config;
  const managed = `${MANAGED_BY_LABEL}=${cluster}`;
  const identity = (h: { metadata?: unknown }, kind: string) =>
    virtualIdentity(h as never, cluster, hostNamespace, kind);

  // Declared before the views: their change callbacks run only once the queue exists.
  let endpointsSync: EndpointsSync | undefined;
  const services = syncer.virtual(core("services"));
  const pods = syncer.virtual(core("pods"), (env) => {
    // A pod came, went, changed labels or readiness: the Endpoints of the Services it concerns follow.
    for (const svc of endpointsSync?.servicesAffectedBy(env.object) ?? [])
      syncer.enqueue(workKey("endpoints", env.namespace, svc));
  });
  const endpoints = syncer.virtual(core("endpoints"), (env) =>
    syncer.enqueue(workKey("endpoints", env.namespace, env.name)),
  );
  const slices = syncer.virtual(discovery("endpointslices"), (env) => {
    syncer.enqueue(workKey("slice", env.namespace, env.name));
    const service = env.object.metadata.labels?.[SERVICE_NAME_LABEL];
    if (service) syncer.enqueue(workKey("endpoints", env.namespace, service));
  });

  const hostServices = syncer.hostInformer<V1Service>({
    apiVersion: "v1",
    kind: "Service",
    plural: "services",
    labelSelector: managed,
    onChange: (_type, s) => {
      const id = identity(s, SERVICE_KIND);
      if (id) syncer.enqueue(workKey("service", id.namespace, id.name));
    },
  });
  // Host controllers copy a Service's labels onto its Endpoints and slices: only those with evk's
  // identity annotations are copies evk made.
  const hostEndpoints = syncer.hostInformer<V1Endpoints>({
    apiVersion: "v1",
    kind: "Endpoints",
    plural: "endpoints",
    labelSelector: managed,
    onChange: (_type, e) => {
      const id = identity(e, ENDPOINTS_KIND);
      if (id) syncer.enqueue(workKey("endpoints", id.namespace, id.name));
    },
  });
  const hostSlices = syncer.hostInformer<V1EndpointSlice>({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    plural: "endpointslices",
    labelSelector: managed,
    onChange: (_type, s) => {
      const id = identity(s, ENDPOINT_SLICE_KIND);
      if (id) syncer.enqueue(workKey("slice", id.namespace, id.name));
    },
  });

  const serviceSync = new ServiceSync({
    syncer,
    services,
    hostServices,
    apiserverService: o.settings.apiserverService,
  });
  endpointsSync = new EndpointsSync({ syncer, services, pods, endpoints, slices, hostEndpoints, hostSlices });
  const eps = endpointsSync;

  syncer.setController({
    primary: core("services"),
    keyOf: (ns, name) => workKey("service", ns, name),
    reconcile: async (key) => {
      const k = parseWorkKey(key);
      switch (k.kind) {
        case "service":
          // Whatever happens to the host twin, the Service's endpoints are looked at too.
          syncer.enqueue(workKey("endpoints", k.namespace, k.name));
          try {
            return await serviceSync.reconcile(k.namespace, k.name);
          } catch (err) {
            if (!(err instanceof ServiceRefused)) throw err;
            await serviceSync.refuse(k.namespace, k.name, err.reason, err.message);
            // The host may take it later (a node port freed, a name released): look again now and then.
            return { requeueAfterMs: 60_000 };
          }
        case "endpoints":
          await eps.reconcile(k.namespace, k.name);
          return undefined;
        case "slice":
          await eps.reconcileSlice(k.namespace, k.name);
          return undefined;
      }
    },
    extraKeys: function* () {
      for (const [, s] of services.entries())
        yield workKey("endpoints", s.metadata.namespace as string, s.metadata.name as string);
      for (const [, e] of endpoints.entries())
        yield workKey("endpoints", e.metadata.namespace as string, e.metadata.name as string);
      for (const [, s] of slices.entries())
        yield workKey("slice", s.metadata.namespace as string, s.metadata.name as string);
      for (const [kind, inf, w] of [
        [SERVICE_KIND, hostServices, "service"],
        [ENDPOINTS_KIND, hostEndpoints, "endpoints"],
        [ENDPOINT_SLICE_KIND, hostSlices, "slice"],
      ] as const) {
        for (const h of inf.list()) {
          const id = identity(h, kind);
          if (id) yield workKey(w, id.namespace, id.name);
        }
      }
    },
    onGiveUp: async (key, err) => {
      const k = parseWorkKey(key);
      if (k.kind === "service") await serviceSync.refuse(k.namespace, k.name, "SyncError", err.message);
    },
  });
  return syncer;
}
