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
export { goJsonKind, goQuote, goQuoteChar, hasDuplicateKeys, type JsonScan, scanJson } from "./go-json.ts";
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
export {
  addQuantities,
  canonicalQuantity,
  canonicalResourceList,
  canonicalResourceQuantity,
  cmpQuantity,
  type Fraction,
  formatQuantity,
  parseQuantity,
  quantityMilliValue,
  quantitySyntaxError,
  quantityValue,
  signOf,
} from "./quantity.ts";
export {
  defaultFieldLabels,
  type FieldLabelConversion,
  type FieldSelector,
  type LabelSelector,
  labelSelectorString,
  parseFieldSelector,
  parseLabelSelector,
  type Selector,
} from "./selectors.ts";
export { MAX_ERROR_BODY, readLimited, responseOn, splice, upgradeHeaders } from "./upgrade-relay.ts";
