import type { CoreV1Event } from "@kubernetes/client-node";

export interface VirtualObjectRef {
  namespace: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

/**
 * The virtual copy of a host Event about a synced object (vcluster's events syncer): in the virtual
 * object's namespace, named after it instead of its host twin, pointing at the virtual object, with host
 * names in the message rewritten to virtual ones. Everything else (reason, type, count, timestamps,
 * source) is the host's.
 */
export function virtualEventFor(
  hostEvent: CoreV1Event,
  virtual: VirtualObjectRef,
  host: { namespace: string; name: string },
): CoreV1Event {
  const hostEventName = hostEvent.metadata?.name ?? "";
  const name = hostEventName.startsWith(`${host.name}.`)
    ? `${virtual.name}${hostEventName.slice(host.name.length)}`
    : hostEventName;
  const message = (hostEvent.message ?? "")
    .replaceAll(`${host.namespace}/${host.name}`, `${virtual.namespace}/${virtual.name}`)
    .replaceAll(host.name, virtual.name);
  const { metadata, ...rest } = structuredClone(hostEvent);
  return {
    ...rest,
    metadata: {
      name,
      namespace: virtual.namespace,
      ...(metadata?.annotations ? { annotations: metadata.annotations } : {}),
    },
    involvedObject: {
      ...hostEvent.involvedObject,
      namespace: virtual.namespace,
      name: virtual.name,
      ...(virtual.uid ? { uid: virtual.uid } : {}),
      ...(virtual.resourceVersion ? { resourceVersion: virtual.resourceVersion } : {}),
    },
    message,
  };
}
