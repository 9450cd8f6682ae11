// Errors that map one-to-one to Kubernetes Status reasons and codes, with kube-apiserver's messages,
// so any layer can throw them and the API server writes them to the wire unchanged.

export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Expired"
  | "Invalid"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "UnsupportedMediaType"
  | "RequestEntityTooLarge"
  | "TooManyRequests"
  | "Timeout"
  | "ServerTimeout"
  | "InternalError"
  | "ServiceUnavailable";

export const statusCodes: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
  ServerTimeout: 504,
};

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The wire form: a `Status` object with status "Failure". */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  /** Set only where kube sets it: the fresh continue token of a 410 for a compacted one. */
  metadata: { continue?: string };
  status: "Failure";
  message: string;
  reason: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  readonly reason: StatusReason;
  readonly code: number;
  readonly details: StatusDetails | undefined;
  listMeta: { continue?: string } | undefined;

  constructor(reason: StatusReason, message: string, details?: StatusDetails, code = statusCodes[reason]) {
    super(message);
    this.name = "StatusError";
    this.reason = reason;
    this.code = code;
    this.details = details;
  }

  toStatus(): Status {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: this.listMeta ? { ...this.listMeta } : {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export function isStatusError(err: unknown, reason?: StatusReason): err is StatusError {
  return err instanceof StatusError && (reason === undefined || err.reason === reason);
}

/** The resource as kube-apiserver names it in messages: "pods", "deployments.apps". */
export interface QualifiedResource {
  group: string;
  resource: string;
}

function qualified(r: QualifiedResource): string {
  return r.group && r.group !== "core" ? `${r.resource}.${r.group}` : r.resource;
}

function details(r: QualifiedResource, name: string, extra: StatusDetails = {}): StatusDetails {
  return { name, ...(r.group && r.group !== "core" ? { group: r.group } : {}), kind: r.resource, ...extra };
}

/** Go's utilerrors aggregate of field errors: one message bare, several de-duplicated in brackets. */
function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] as string) : `[${unique.join(", ")}]`;
}

export const errors = {
  notFound: (r: QualifiedResource, name: string) =>
    new StatusError("NotFound", `${qualified(r)} "${name}" not found`, details(r, name)),
  alreadyExists: (r: QualifiedResource, name: string) =>
    new StatusError("AlreadyExists", `${qualified(r)} "${name}" already exists`, details(r, name)),
  conflict: (r: QualifiedResource, name: string, why: string) =>
    new StatusError("Conflict", `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, details(r, name)),
  /** The optimistic-concurrency conflict of an update with a stale resourceVersion. */
  modified: (r: QualifiedResource, name: string) =>
    errors.conflict(
      r,
      name,
      "the object has been modified; please apply your changes to the latest version and try again",
    ),
  /** A watch or list from a revision etcd has compacted away. */
  tooOldResourceVersion: (requested: number, oldest: number) =>
    new StatusError("Expired", `too old resource version: ${requested} (${oldest})`),
  /**
   * A continue token from a revision etcd has compacted away. With `fresh` (a token that continues at the
   * latest revision from the same key), kube's inconsistent-continuation answer, which carries it.
   */
  continueExpired: (fresh?: string) => {
    const tooOld =
      "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter";
    if (!fresh) return new StatusError("Expired", `${tooOld}.`);
    const e = new StatusError(
      "Expired",
      `${tooOld}, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.`,
    );
    e.listMeta = { continue: fresh };
    return e;
  },
  badContinue: (why: string) => new StatusError("BadRequest", `invalid continue token: ${why}`),
  /** A read at a resourceVersion newer than anything the server has seen within its wait. */
  tooLargeResourceVersion: (requested: number, current: number) =>
    // NewTimeoutError puts "Timeout: " before the storage error's own words.
    new StatusError("Timeout", `Timeout: Too large resource version: ${requested}, current: ${current}`, {
      causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
      retryAfterSeconds: 1,
    }),
  entityTooLarge: (limitBytes: number) =>
    new StatusError("RequestEntityTooLarge", `Request entity too large: limit is ${limitBytes}`),
  invalid: (kind: string, name: string, causes: StatusCause[], group = "") =>
    new StatusError(
      "Invalid",
      `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${aggregate(causes.map((c) => `${c.field ? `${c.field}: ` : ""}${c.message}`))}`,
      // Go's StatusDetails leaves an empty name out.
      { ...(name ? { name } : {}), ...(group ? { group } : {}), kind, causes },
    ),
  badRequest: (message: string) => new StatusError("BadRequest", message),
  timeout: (message: string, retryAfterSeconds?: number) =>
    new StatusError("Timeout", message, retryAfterSeconds ? { retryAfterSeconds } : undefined),
  internal: (message: string) =>
    new StatusError("InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] }),
  unavailable: (message: string) => new StatusError("ServiceUnavailable", message),
} as const;
