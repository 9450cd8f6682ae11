import { type FieldError, goJson, goJsonString, invalid, j, q, raw, required } from "./field-errors.ts";
import { dns1123Subdomain, IMMUTABLE, isObj, type Obj, obj, pathSegmentName, str } from "./formats.ts";
import { cidrFamily, cidrProblems } from "./ip.ts";

// kube-apiserver 1.35's validation of the service IP allocator's kinds (pkg/apis/networking/validation):
// ServiceCIDRs and IPAddresses. An IPAddress's name is checked with the other name rules (validation.ts).

type Errs = FieldError[];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : "")) : []);

/** validateServiceCIDRSpec. */
function cidrSpecProblems(spec: Obj): Errs {
  const cidrs = strings(spec.cidrs);
  const path = "spec.cidrs";
  if (cidrs.length === 0) return [required(path, "at least one CIDR required")];
  // The value printed is the internal spec struct, which has no JSON tags.
  if (cidrs.length > 2) return [invalid(path, raw(`{"CIDRs":${goJson(cidrs)}}`), "may only hold up to 2 values")];
  const out: Errs = [];
  cidrs.forEach((c, i) => {
    for (const m of cidrProblems(c)) out.push(invalid(`${path}[${i}]`, q(c), m));
  });
  if (cidrs.length === 2) {
    const [a, b] = cidrs.map(cidrFamily);
    if (a !== undefined && a === b)
      out.push(
        invalid(
          path,
          j(cidrs),
          "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64",
        ),
      );
  }
  return out;
}

export const serviceCIDRProblems = (o: Obj): Errs => cidrSpecProblems(obj(o.spec));

/** ValidateServiceCIDRUpdate: the CIDRs stay, though a single-stack range may gain its other family. */
export function serviceCIDRUpdateProblems(next: Obj, old: Obj): Errs {
  const now = strings(obj(next.spec).cidrs);
  const was = strings(obj(old.spec).cidrs);
  const out: Errs = [];
  if (now.length === was.length) {
    was.forEach((c, i) => {
      if (now[i] !== c) out.push(invalid(`spec.cidrs[${i}]`, q(now[i] as string), IMMUTABLE));
    });
  } else if (was.length === 1 && now.length === 2) {
    if (now[0] !== was[0]) out.push(invalid("spec.cidrs[0]", q(now[0] as string), IMMUTABLE));
    out.push(...cidrSpecProblems(obj(next.spec)));
  } else out.push(invalid("spec.cidrs", j(now), IMMUTABLE));
  return out;
}

/** validateIPAddressParentReference. */
export function ipAddressProblems(o: Obj): Errs {
  const ref = obj(o.spec).parentRef;
  if (!isObj(ref)) return [required("spec.parentRef")];
  const out: Errs = [];
  const path = "spec.parentRef";
  const group = str(ref.group);
  if (group) for (const m of dns1123Subdomain(group)) out.push(invalid(`${path}.group`, q(group), m));
  for (const f of ["resource", "name"]) {
    const v = str(ref[f]);
    if (!v) out.push(required(`${path}.${f}`));
    else for (const m of pathSegmentName(v)) out.push(invalid(`${path}.${f}`, q(v), m));
  }
  const namespace = str(ref.namespace);
  if (namespace) for (const m of pathSegmentName(namespace)) out.push(invalid(`${path}.namespace`, q(namespace), m));
  return out;
}

/** The internal ParentReference as Go prints it (no JSON tags), or null. */
function parentRefValue(v: unknown): string {
  if (!isObj(v)) return "null";
  const f = (k: string) => goJsonString(str(v[k]));
  return `{"Group":${f("group")},"Resource":${f("resource")},"Namespace":${f("namespace")},"Name":${f("name")}}`;
}

/** ValidateIPAddressUpdate: the parent reference is immutable. */
export function ipAddressUpdateProblems(next: Obj, old: Obj): Errs {
  const a = parentRefValue(obj(next.spec).parentRef);
  const b = parentRefValue(obj(old.spec).parentRef);
  return a === b ? [] : [invalid("spec.parentRef", raw(a), IMMUTABLE)];
}
