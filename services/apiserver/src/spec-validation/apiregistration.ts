import { type FieldError, invalid, j, n, notSupported, q, required } from "./field-errors.ts";
import { dns1035Label, dns1123Subdomain, isObj, num, type Obj, obj, objs, pathSegmentName, str } from "./formats.ts";

// apiregistration.k8s.io/v1 validation as kube-apiserver 1.35 runs it (kube-aggregator pkg/apis/apiregistration/
// validation): the name must be <version>.<group>, the priorities in range, a local APIService carries no TLS
// settings, a service-backed one names its service and a valid port, and conditions have a known status.

type Errs = FieldError[];

/** ValidateAPIService beyond the path-segment checks of the name (validation.ts has those). */
export function apiServiceProblems(o: Obj): Errs {
  const out: Errs = [];
  const name = str(obj(o.metadata).name);
  const spec = obj(o.spec);
  const group = str(spec.group);
  const version = str(spec.version);
  const requiredName = `${version}.${group}`;
  if (name !== "" && pathSegmentName(name).length === 0 && name !== requiredName)
    out.push(
      invalid("metadata.name", q(name), `must be \`spec.version+"."+spec.group\`: ${JSON.stringify(requiredName)}`),
    );
  if (group === "" && version !== "v1")
    out.push(required("spec.group", "only v1 may have an empty group and it better be legacy kube"));
  if (group !== "") for (const m of dns1123Subdomain(group)) out.push(invalid("spec.group", q(group), m));
  for (const m of dns1035Label(version)) out.push(invalid("spec.version", q(version), m));
  const gpm = num(spec.groupPriorityMinimum);
  if (gpm <= 0 || gpm > 20000)
    out.push(invalid("spec.groupPriorityMinimum", n(gpm), "must be positive and less than 20000"));
  const vp = num(spec.versionPriority);
  if (vp <= 0 || vp > 1000) out.push(invalid("spec.versionPriority", n(vp), "must be positive and less than 1000"));
  const caBytes = caBundleBytes(spec.caBundle);
  const insecure = spec.insecureSkipTLSVerify === true;
  if (!isObj(spec.service)) {
    if (caBytes !== 0)
      out.push(invalid("spec.caBundle", q(`${caBytes} bytes`), "local APIServices may not have a caBundle"));
    if (insecure)
      out.push(invalid("spec.insecureSkipTLSVerify", n(true), "local APIServices may not have insecureSkipTLSVerify"));
    return out;
  }
  const service = spec.service;
  if (str(service.namespace) === "") out.push(required("spec.service.namespace"));
  if (str(service.name) === "") out.push(required("spec.service.name"));
  const port = num(service.port);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535))
    out.push(invalid("spec.service.port", n(port), "port is not valid: must be between 1 and 65535, inclusive"));
  if (insecure && caBytes > 0)
    out.push(invalid("spec.insecureSkipTLSVerify", n(true), "may not be true if caBundle is present"));
  return out;
}

/** The decoded length of a []byte field's base64 text. */
export function caBundleBytes(v: unknown): number {
  return typeof v === "string" && v !== "" ? Buffer.from(v, "base64").length : 0;
}

/** ValidateAPIServiceStatus: every condition is True, False or Unknown. */
export function apiServiceStatusProblems(status: Obj): Errs {
  return objs(status.conditions).flatMap((c, i) =>
    ["True", "False", "Unknown"].includes(str(c.status))
      ? []
      : [notSupported(`status.conditions[${i}].status`, j(str(c.status)), ["True", "False", "Unknown"])],
  );
}
