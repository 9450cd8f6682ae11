import { errors } from "@evk/kube";

// kube-apiserver's continue token: base64url of {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key suffix>"},
// where start is the first key (relative to the list prefix) the next page begins with.

interface TokenBody {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(revision: number, nextKeySuffix: string): string {
  const body: TokenBody = { v: "meta.k8s.io/v1", rv: revision, start: nextKeySuffix };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

export function decodeContinue(token: string): { revision: number; start: string } {
  let body: TokenBody;
  try {
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as TokenBody;
  } catch {
    throw errors.badContinue("not a valid continue token");
  }
  if (body?.v !== "meta.k8s.io/v1")
    throw errors.badContinue("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  if (!Number.isSafeInteger(body.rv) || body.rv <= 0)
    throw errors.badContinue("incorrect encoded start resourceVersion");
  if (
    typeof body.start !== "string" ||
    body.start.length === 0 ||
    body.start.startsWith("/") ||
    body.start.includes("..")
  ) {
    throw errors.badContinue("invalid start key");
  }
  return { revision: body.rv, start: body.start };
}
