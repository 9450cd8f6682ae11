import { errors } from "@evk/kube";
import type { UserInfo } from "./tokens.ts";

// authentication.k8s.io/v1 TokenReview: what a webhook or a delegating server (kube-controller-manager with
// --authentication-kubeconfig, an aggregated apiserver) asks to learn who a bearer token is.

interface TokenReviewBody {
  spec?: { token?: string; audiences?: string[] | null };
}

/**
 * The answered review. `authenticate` knows the apiserver's own tokens, which are all for `apiAudiences`;
 * a review asking for other audiences only is answered unauthenticated, as kube-apiserver does.
 */
export async function answerTokenReview(
  body: unknown,
  authenticate: (token: string) => Promise<UserInfo | undefined>,
  apiAudiences: string[],
): Promise<Record<string, unknown>> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw errors.badRequest("the request body must be a JSON object");
  const spec = (body as TokenReviewBody).spec ?? {};
  const head = {
    kind: "TokenReview",
    apiVersion: "authentication.k8s.io/v1",
    metadata: {},
    spec,
  };
  if (!spec.token)
    throw errors.invalid(
      "TokenReview",
      "",
      [{ field: "spec.token", message: "Required value" }],
      "authentication.k8s.io",
    );
  const wanted = spec.audiences?.length ? spec.audiences : apiAudiences;
  const audiences = wanted.filter((a) => apiAudiences.includes(a));
  if (audiences.length === 0)
    return { ...head, status: { user: {}, error: "token audiences are invalid for the target audiences" } };
  const user = await authenticate(spec.token);
  if (!user) return { ...head, status: { user: {}, error: "invalid bearer token" } };
  return { ...head, status: { authenticated: true, user, audiences } };
}
