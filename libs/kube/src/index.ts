export {
  errors,
  isStatusError,
  type QualifiedResource,
  type Status,
  type StatusCause,
  type StatusDetails,
  StatusError,
  type StatusReason,
  statusCodes,
} from "./errors.ts";
export type { KubeObject, ObjectMeta } from "./object.ts";
