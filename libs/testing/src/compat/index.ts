// Side-by-side compatibility testing: the same requests and kubectl commands to kube-apiserver and
// evk-apiserver, and the normalising of what two correct servers print differently.
export { type KubectlOptions, type KubectlStep, kubectl, RunningKubectl } from "./kubectl.ts";
export {
  AGES,
  IPS,
  KUBECTL_DIFF,
  KUBECTL_OUTPUT,
  normaliser,
  RESOURCE_VERSIONS,
  type Rule,
  TIMES,
  TOKEN_VOLUMES,
  UIDS,
} from "./normalise.ts";
export {
  type Credentials,
  type RawReply,
  type RawRequest,
  ServerClient,
  type ServerClientOptions,
} from "./server-client.ts";
export { type SideBySide, type SideBySideOptions, useSideBySide } from "./side-by-side.ts";
