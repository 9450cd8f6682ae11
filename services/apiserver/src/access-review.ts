import { errors, StatusError } from "@evk/kube";

// authorization.k8s.io reviews. evk has no authorization yet: every authenticated user may do everything
// (README), and the reviews say exactly that, so `kubectl auth can-i` tells the truth.

export const ACCESS_REVIEWS: Record<string, { kind: string; namespaced: boolean }> = {
  selfsubjectaccessreviews: { kind: "SelfSubjectAccessReview", namespaced: false },
  subjectaccessreviews: { kind: "SubjectAccessReview", namespaced: false },
  localsubjectaccessreviews: { kind: "LocalSubjectAccessReview", namespaced: true },
  selfsubjectrulesreviews: { kind: "SelfSubjectRulesReview", namespaced: false },
};

interface ReviewBody {
  spec?: {
    user?: string;
    groups?: string[];
    resourceAttributes?: { namespace?: string };
    nonResourceAttributes?: unknown;
    namespace?: string;
  };
}

/** The answered review for a request body, or a Status error for an invalid one (pure). */
export function answerReview(resource: string, namespace: string | undefined, body: unknown): Record<string, unknown> {
  const review = ACCESS_REVIEWS[resource];
  if (!review) throw new StatusError("NotFound", "the server could not find the requested resource");
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw errors.badRequest("the request body must be a JSON object");
  const spec = (body as ReviewBody).spec ?? {};
  const head = { kind: review.kind, apiVersion: "authorization.k8s.io/v1", metadata: {}, spec };
  if (resource === "selfsubjectrulesreviews") {
    return {
      ...head,
      status: {
        resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
        nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
        incomplete: false,
      },
    };
  }
  if (!spec.resourceAttributes === !spec.nonResourceAttributes)
    throw errors.invalid(
      review.kind,
      "",
      [
        {
          field: "spec.resourceAttributes",
          message:
            'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
        },
      ],
      "authorization.k8s.io",
    );
  if (resource === "localsubjectaccessreviews" && spec.resourceAttributes?.namespace !== namespace)
    throw errors.invalid(
      review.kind,
      "",
      [
        {
          field: "spec.resourceAttributes.namespace",
          message: `Invalid value: ${JSON.stringify(spec.resourceAttributes?.namespace ?? "")}: must match metadata.namespace`,
        },
      ],
      "authorization.k8s.io",
    );
  // Anonymous requests never reach the API, so only a review about someone else can name no one.
  const anonymous =
    resource !== "selfsubjectaccessreviews" &&
    (spec.user === "system:anonymous" || (!spec.user && !spec.groups?.length));
  return { ...head, status: anonymous ? { allowed: false } : { allowed: true } };
}
