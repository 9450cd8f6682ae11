export { decodeObject, encodeObject } from "./codec.ts";
export { decodeContinue, encodeContinue, pageContinue } from "./continue-token.ts";
export {
  type Compare,
  EtcdClient,
  type EtcdClientOptions,
  EtcdWatch,
  isCompacted,
  isUnavailable,
  type KeyValue,
  prefixEnd,
  type WatchEvent,
} from "./etcd/client.ts";
export {
  assertClusterName,
  clusterPrefix,
  type ObjectRef,
  objectKey,
  type ParsedKey,
  parseKey,
  type ResourceRef,
  relayKeys,
  resourcePrefix,
} from "./keys.ts";
export {
  DEFAULT_MAX_OBJECT_BYTES,
  type DeleteOptions,
  type ListOptions,
  type ListResult,
  Store,
  type StoreWatch,
  type StoreWatchEvent,
  type TryUpdate,
  type UpdateOptions,
} from "./store.ts";
export {
  type CachedObject,
  type CacheEvent,
  type CacheEventType,
  type CacheWatcher,
  type CacheWatchOptions,
  WatchCache,
  type WatchCacheOptions,
} from "./watch-cache.ts";
