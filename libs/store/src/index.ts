export { decodeObject, encodeObject } from "./codec.ts";
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
