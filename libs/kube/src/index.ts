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
export { type KubeconfigParams, renderKubeconfig } from "./kubeconfig.ts";
export type { KubeObject, ObjectMeta } from "./object.ts";
export {
  type CertificateAuthority,
  createCertificateAuthority,
  createSigningKeyPair,
  type IssueRequest,
  type KeyPairPem,
  loadCertificateAuthority,
} from "./pki.ts";
export { type FieldSelector, parseFieldSelector, parseLabelSelector, type Selector } from "./selectors.ts";
