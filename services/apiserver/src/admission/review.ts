import { type Status, StatusError, type StatusReason } from "@evk/kube";
import type { Attributes, Invocation } from "./matching.ts";

// admission.k8s.io/v1 AdmissionReview as kube-apiserver 1.35 sends it to a webhook and reads the answer
// (plugin/webhook/request/admissionreview.go), and the Status a rejection becomes (plugin/webhook/errors).

/** The review sent for one call; fields in Go's struct order, empty ones left out where Go omits them. */
export function admissionReview(uid: string, attr: Attributes, inv: Invocation): Record<string, unknown> {
  const user = attr.userInfo;
  return {
    kind: "AdmissionReview",
    apiVersion: "admission.k8s.io/v1",
    request: {
      uid,
      kind: inv.kind,
      resource: inv.resource,
      ...(attr.subresource ? { subResource: attr.subresource } : {}),
      requestKind: attr.kind,
      requestResource: attr.resource,
      ...(attr.subresource ? { requestSubResource: attr.subresource } : {}),
      ...(attr.name ? { name: attr.name } : {}),
      ...(attr.namespace ? { namespace: attr.namespace } : {}),
      operation: attr.operation,
      userInfo: {
        username: user.username,
        ...(user.uid ? { uid: user.uid } : {}),
        ...(user.groups?.length ? { groups: user.groups } : {}),
        ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
      },
      object: attr.object ?? null,
      oldObject: attr.oldObject ?? null,
      dryRun: attr.dryRun,
      options: attr.options,
    },
  };
}

export interface AdmissionResponse {
  allowed: boolean;
  patch: Buffer | undefined;
  patchType: string;
  result: Partial<Status> | undefined;
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** VerifyAdmissionResponse for an admission.k8s.io/v1 answer: the response, or why it is not a valid one. */
export function verifyResponse(
  uid: string,
  mutating: boolean,
  review: unknown,
): AdmissionResponse | { invalid: string } {
  const r = (review ?? {}) as Record<string, unknown>;
  const resp = r.response as Record<string, unknown> | undefined | null;
  if (!resp) return { invalid: "webhook response was absent" };
  if ((resp.uid ?? "") !== uid)
    return { invalid: `expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(resp.uid ?? "")}` };
  const [group, version] = String(r.apiVersion ?? "").includes("/")
    ? String(r.apiVersion).split("/")
    : ["", String(r.apiVersion ?? "")];
  if (r.apiVersion !== "admission.k8s.io/v1" || r.kind !== "AdmissionReview")
    return {
      invalid: `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${group ? `${group}/` : ""}${version}, Kind=${String(r.kind ?? "")}`,
    };
  const patchText = typeof resp.patch === "string" ? resp.patch : "";
  const patch = patchText ? Buffer.from(patchText, "base64") : undefined;
  let patchType = "";
  if (mutating) {
    if (patch?.length && (resp.patchType === undefined || resp.patchType === null))
      return { invalid: "webhook returned response.patch but not response.patchType" };
    if (!patch?.length && resp.patchType !== undefined && resp.patchType !== null)
      return { invalid: "webhook returned response.patchType but not response.patch" };
    if (resp.patchType !== undefined && resp.patchType !== null) {
      patchType = String(resp.patchType);
      if (patchType === "") return { invalid: `webhook returned invalid response.patchType of ""` };
    }
  } else {
    if (patch?.length) return { invalid: "validating webhook may not return response.patch" };
    if (resp.patchType !== undefined && resp.patchType !== null)
      return { invalid: "validating webhook may not return response.patchType" };
  }
  return {
    allowed: resp.allowed === true,
    patch: mutating ? patch : undefined,
    patchType,
    result: (resp.status ?? undefined) as Partial<Status> | undefined,
    warnings: Array.isArray(resp.warnings) ? resp.warnings.map(String) : [],
    auditAnnotations: (resp.auditAnnotations ?? {}) as Record<string, string>,
  };
}

/** A Status passed through as a webhook or policy made it (any reason, details of its own), in Go's field order. */
export class PassedStatusError extends StatusError {
  readonly status: Record<string, unknown>;
  constructor(status: { message: string; code: number; reason?: string; details?: unknown; status?: string }) {
    super((status.reason || "BadRequest") as StatusReason, status.message, undefined, status.code);
    this.status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: status.status ?? "Failure",
      message: status.message,
      ...(status.reason ? { reason: status.reason } : {}),
      ...(status.details ? { details: status.details } : {}),
      code: status.code,
    };
  }
  override toStatus(): Status {
    return this.status as unknown as Status;
  }
}

/** ToStatusErr: the webhook's own Status, made a failure, its message saying which webhook denied. */
export function rejection(webhook: string, result: Partial<Status> | undefined): StatusError {
  const s = (result ?? {}) as Record<string, unknown>;
  const code = typeof s.code === "number" && s.code >= 400 ? s.code : 400;
  const status = s.status === "" || s.status === "Success" || s.status === undefined ? "Failure" : String(s.status);
  const deniedBy = `admission webhook ${JSON.stringify(webhook)} denied the request`;
  const message = s.message
    ? `${deniedBy}: ${String(s.message)}`
    : s.reason
      ? `${deniedBy}: ${String(s.reason)}`
      : `${deniedBy} without explanation`;
  return new PassedStatusError({
    status,
    message,
    ...(s.reason ? { reason: String(s.reason) } : {}),
    ...(s.details ? { details: s.details } : {}),
    code,
  });
}
