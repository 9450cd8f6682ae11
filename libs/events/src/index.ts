export {
  type ConsumerOptions,
  deadLetterSubject,
  HEADER_ERROR,
  HEADER_ORIGINAL_SUBJECT,
  type RunningConsumer,
  startConsumer,
} from "./consumer.ts";
export {
  type EventEnvelope,
  type EventType,
  HEADER_REVISION,
  HEADER_TRACE,
  MalformedEnvelopeError,
  msgId,
  parseEnvelope,
  parseStatusReport,
  type StatusAction,
  type StatusReport,
} from "./envelope.ts";
export { Projection, type ProjectionOptions, projectionKey } from "./projection.ts";
export { HEADER_RELAY, HEADER_TERM, Relay, type RelayOptions, TRACE_ANNOTATION } from "./relay.ts";
export {
  DLQ_STREAM,
  EVENTS_STREAM,
  ensureStreams,
  STATUS_STREAM,
  type StreamOptions,
  streamConfigs,
  TOMBSTONE_TTL_METADATA,
} from "./streams.ts";
export {
  CLUSTER_SCOPED,
  decodeToken,
  encodeToken,
  filterSubject,
  parseSubject,
  type SubjectParts,
  subjectFor,
} from "./subjects.ts";
export {
  parseTokenRequest,
  requestToken,
  serveTokens,
  TOKEN_QUEUE,
  type TokenReplyMessage,
  TokenRequestError,
  type TokenRequestMessage,
  tokenSubject,
} from "./token-rpc.ts";
