import type { KubeObject, StatusCause } from "@evk/kube";

// kube-apiserver 1.35's validation of the metadata every object carries (apimachinery's ObjectMeta rules and
// the core wrapper's finalizer rule), with its messages. Pure: causes out, the caller raises 422.

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KEY_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const KEY_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const KEY_MSG = `must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${KEY_NAME_FMT}')`;
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const VALUE_MSG = `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(${KEY_NAME_FMT})?')`;
const ANNOTATIONS_LIMIT = 256 * 1024;
const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const invalid = (field: string, value: unknown, message: string): StatusCause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: ${JSON.stringify(value)}: ${message}`,
  field,
});

/** apimachinery's IsQualifiedName (label keys, annotation keys, finalizers): why a key is not one. */
export function qualifiedNameProblems(key: string): string[] {
  const parts = key.split("/");
  if (parts.length > 2)
    return [`a valid label key ${KEY_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  const problems: string[] = [];
  const name = parts.length === 2 ? (parts[1] as string) : key;
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    if (prefix === "") problems.push("prefix part must be non-empty");
    else {
      if (bytes(prefix) > 253) problems.push("prefix part must be no more than 253 bytes");
      if (!SUBDOMAIN.test(prefix)) problems.push(`prefix part ${SUBDOMAIN_MSG}`);
    }
  }
  if (name === "") problems.push("name part must be non-empty");
  else if (bytes(name) > 63) problems.push("name part must be no more than 63 bytes");
  if (!KEY_NAME.test(name)) problems.push(`name part ${KEY_MSG}`);
  return problems;
}

export function labelValueProblems(value: string): string[] {
  return [
    ...(bytes(value) > 63 ? ["must be no more than 63 bytes"] : []),
    ...(LABEL_VALUE.test(value) ? [] : [VALUE_MSG]),
  ];
}

/** ValidateLabels; `field` is where the labels are (metadata.labels, or a template's). */
export function labelProblems(l: unknown, field = "metadata.labels"): StatusCause[] {
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries((l ?? {}) as Record<string, string>)) {
    for (const p of qualifiedNameProblems(k)) out.push(invalid(field, k, p));
    for (const p of labelValueProblems(String(v ?? ""))) out.push(invalid(field, v, p));
  }
  return out;
}

/** ValidateAnnotations; `field` is where the annotations are (metadata.annotations, or a template's). */
export function annotationProblems(a: unknown, field = "metadata.annotations"): StatusCause[] {
  const out: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries((a ?? {}) as Record<string, string>)) {
    // kube checks annotation keys lower-cased: upper case is allowed there.
    for (const p of qualifiedNameProblems(k.toLowerCase())) out.push(invalid(field, k, p));
    size += bytes(k) + bytes(String(v ?? ""));
  }
  if (size > ANNOTATIONS_LIMIT)
    out.push({
      reason: "FieldValueTooLong",
      message: `Too long: may not be more than ${ANNOTATIONS_LIMIT} bytes`,
      field,
    });
  return out;
}

interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
}

function ownerReferences(refs: unknown): StatusCause[] {
  const out: StatusCause[] = [];
  for (const r of (refs ?? []) as OwnerReference[]) {
    const version = (r.apiVersion ?? "").split("/").at(-1) ?? "";
    if (!version)
      out.push(invalid("metadata.ownerReferences.apiVersion", r.apiVersion ?? "", "version must not be empty"));
    if (!r.kind) out.push(invalid("metadata.ownerReferences.kind", r.kind ?? "", "must not be empty"));
    if (!r.name) out.push(invalid("metadata.ownerReferences.name", r.name ?? "", "must not be empty"));
    if (!r.uid) out.push(invalid("metadata.ownerReferences.uid", r.uid ?? "", "must not be empty"));
  }
  return out;
}

function finalizers(f: unknown): StatusCause[] {
  const list = ((f ?? []) as unknown[]).map(String);
  const out: StatusCause[] = [];
  for (const name of list)
    for (const p of qualifiedNameProblems(name)) out.push(invalid("metadata.finalizers", name, p));
  if (list.includes("orphan") && list.includes("foregroundDeletion"))
    out.push({
      reason: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(list)}: finalizer orphan and foregroundDeletion cannot be both set`,
      field: "metadata.finalizers",
    });
  list.forEach((name, i) => {
    if (!name.includes("/") && !STANDARD_FINALIZERS.has(name))
      out.push(
        invalid(
          `metadata.finalizers[${i}]`,
          name,
          "name is neither a standard finalizer name nor is it fully qualified",
        ),
      );
  });
  return out;
}

/** Causes kube-apiserver gives for the metadata of an object being created. */
export function metadataProblems(o: KubeObject): StatusCause[] {
  const m = o.metadata ?? {};
  return [
    ...labelProblems(m.labels),
    ...annotationProblems(m.annotations),
    ...ownerReferences(m.ownerReferences),
    ...finalizers(m.finalizers),
  ];
}

/** Causes for the metadata of an update: the create rules, and no new finalizer once deletion started. */
export function metadataUpdateProblems(old: KubeObject, next: KubeObject): StatusCause[] {
  const out = metadataProblems(next);
  if (old.metadata.deletionTimestamp) {
    const before = new Set(old.metadata.finalizers ?? []);
    const added = [...new Set(next.metadata.finalizers ?? [])].filter((f) => !before.has(f)).sort();
    if (added.length)
      out.push({
        reason: "FieldValueForbidden",
        message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((a) => JSON.stringify(a)).join(", ")}}`,
        field: "metadata.finalizers",
      });
  }
  return out;
}
