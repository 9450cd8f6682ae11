import { isDeepStrictEqual } from "node:util";
import type { KubeObject } from "@evk/kube";
import { AUTOMANAGED_LABEL, type DesiredAPIService } from "./priorities.ts";

// kube-aggregator's autoregister controller decision (pkg/controllers/autoregister checkAPIService): what to do
// with one APIService name given what should exist, what does, whether it has been synced once already and
// whether it existed when the server started. Pure.

export type AutoregisterAction =
  | { kind: "none" }
  | { kind: "create"; object: KubeObject }
  | { kind: "delete"; uid: string }
  | { kind: "update"; object: KubeObject };

const managedOf = (o: { metadata?: { labels?: Record<string, string> } } | undefined) =>
  o?.metadata?.labels?.[AUTOMANAGED_LABEL];

/** The APIService object the controller creates for a desired entry. */
export function desiredObject(d: DesiredAPIService): KubeObject {
  return {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: d.name, labels: { [AUTOMANAGED_LABEL]: d.managed } },
    spec: { ...d.spec },
  };
}

export function autoregisterAction(
  desired: DesiredAPIService | undefined,
  current: KubeObject | undefined,
  state: { hasSynced: boolean; existedAtStart: boolean },
): AutoregisterAction {
  // An APIService nobody wants and nobody has: nothing to do.
  if (!current && !desired) return { kind: "none" };
  // Registered once at start: after the first sync the user owns it.
  if (desired?.managed === "onstart" && state.hasSynced) return { kind: "none" };
  if (!current && desired) return { kind: "create", object: desiredObject(desired) };
  const cur = current as KubeObject;
  const managed = managedOf(cur);
  if (managed !== "onstart" && managed !== "true") return { kind: "none" };
  // An onstart APIService that appeared after start was created by someone else for this run.
  if (managed === "onstart" && !state.existedAtStart) return { kind: "none" };
  if (managed === "onstart" && state.hasSynced) return { kind: "none" };
  if (!desired) return { kind: "delete", uid: cur.metadata.uid ?? "" };
  if (isDeepStrictEqual(cur.spec, desired.spec)) return { kind: "none" };
  return { kind: "update", object: { ...cur, spec: { ...desired.spec } } };
}
