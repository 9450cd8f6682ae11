export { backoffDelay, TokenBucket } from "./backoff.ts";
export { COMMON_USAGE, parseSyncerConfig, type SyncerConfig } from "./config.ts";
export { HostClient, HostError, type HostRef, isHostError } from "./host-client.ts";
export { type HostChange, HostInformer } from "./host-informer.ts";
export { type HostSetup, prepareHostNamespace } from "./host-setup.ts";
export { runSyncerMain } from "./main.ts";
export { StatusPublisher } from "./status-publisher.ts";
export {
  type ControllerSpec,
  keepConnections,
  loadKubeConfig,
  objectKey,
  Syncer,
  type SyncerWiring,
  splitKey,
  type VirtualResource,
} from "./syncer.ts";
export { QueueStopped, type ReconcileResult, WorkQueue, type WorkQueueOptions } from "./work-queue.ts";
