import { randomUUID } from "node:crypto";
import { errors, isStatusError, type KubeObject, StatusError } from "@evk/kube";
import type { Store, WatchCache } from "@evk/store";
import jsonpatch from "fast-json-patch";
import { apiVersionOf, type ResourceType, resourceTypes } from "../resources.ts";
import { authorizerValue, type Compiled, compile, run, toCel } from "./cel.ts";
import { CallError, postReview, type Target } from "./client.ts";
import {
  type Attributes,
  type Invocation,
  isExemptFromWebhooks,
  type MatchResources,
  namespaceLabelsFromRequest,
  needsNamespaceLabels,
  type Obj,
  objectSelectorMatches,
  type ParsedSelector,
  parseSelector,
  type Rule,
  resourcesMatch,
  webhookInvocation,
} from "./matching.ts";
import { type CompiledPolicy, celNamespace, celRequest, compilePolicy, type Decision, validate } from "./policy.ts";
import { admissionReview, PassedStatusError, rejection, verifyResponse } from "./review.ts";

// Admission control of one virtual cluster, as kube-apiserver 1.35 runs its dynamic part: mutating webhooks
// in configuration-name order (reinvoked when later mutations need it), then ValidatingAdmissionPolicies,
// then validating webhooks in parallel. The configuration is read from the watch cache and compiled when it
// changes; with none present, `idle` is true and the API skips admission without looking further.

export type { Attributes, Operation } from "./matching.ts";

const GROUP = "admissionregistration.k8s.io";
const KINDS = {
  mutating: { group: GROUP, resource: "mutatingwebhookconfigurations" },
  validating: { group: GROUP, resource: "validatingwebhookconfigurations" },
  policies: { group: GROUP, resource: "validatingadmissionpolicies" },
  bindings: { group: GROUP, resource: "validatingadmissionpolicybindings" },
};

interface CompiledWebhook {
  /** Unique within the snapshot: configuration, webhook and position. */
  uid: string;
  configuration: string;
  name: string;
  rules: Rule[];
  matchPolicy: string;
  namespaceSelector: ParsedSelector;
  objectSelector: ParsedSelector;
  failurePolicy: "Fail" | "Ignore";
  sideEffects: string;
  timeoutSeconds: number;
  reinvocationPolicy: string;
  reviewVersions: string[];
  clientConfig: {
    url?: string;
    service?: { namespace: string; name: string; path?: string; port: number };
    caBundle?: string;
  };
  matchConditions: { name: string; expression: string; compiled: Compiled }[];
}

interface CompiledBinding {
  name: string;
  paramRef: Obj | undefined;
  matchResources: (MatchResources & { namespaceSelector: ParsedSelector; objectSelector: ParsedSelector }) | undefined;
  actions: string[];
}

interface Snapshot {
  mutating: CompiledWebhook[];
  validating: CompiledWebhook[];
  policies: {
    policy: CompiledPolicy;
    bindings: CompiledBinding[];
    paramType: ResourceType | undefined;
    paramError?: string;
  }[];
}

const EMPTY: Snapshot = { mutating: [], validating: [], policies: [] };
const str = (v: unknown) => (typeof v === "string" ? v : "");
const objOf = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const objsOf = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(objOf) : []);
const byName = (a: KubeObject, b: KubeObject) =>
  (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : (a.metadata.name ?? "") > (b.metadata.name ?? "") ? 1 : 0;

function compileWebhooks(configs: KubeObject[]): CompiledWebhook[] {
  return [...configs].sort(byName).flatMap((c) =>
    objsOf((c as Obj).webhooks).map((h, i) => {
      const cc = objOf(h.clientConfig);
      const svc = cc.service ? objOf(cc.service) : undefined;
      return {
        uid: `${c.metadata.name}/${str(h.name)}/${i}`,
        configuration: c.metadata.name ?? "",
        name: str(h.name),
        rules: objsOf(h.rules) as Rule[],
        matchPolicy: str(h.matchPolicy) || "Equivalent",
        namespaceSelector: parseSelector(h.namespaceSelector),
        objectSelector: parseSelector(h.objectSelector),
        failurePolicy: h.failurePolicy === "Ignore" ? "Ignore" : "Fail",
        sideEffects: str(h.sideEffects),
        timeoutSeconds: typeof h.timeoutSeconds === "number" ? h.timeoutSeconds : 10,
        reinvocationPolicy: str(h.reinvocationPolicy) || "Never",
        reviewVersions: Array.isArray(h.admissionReviewVersions) ? h.admissionReviewVersions.map(String) : [],
        clientConfig: {
          ...(typeof cc.url === "string" ? { url: cc.url } : {}),
          ...(svc
            ? {
                service: {
                  namespace: str(svc.namespace),
                  name: str(svc.name),
                  ...(typeof svc.path === "string" ? { path: svc.path } : {}),
                  port: typeof svc.port === "number" ? svc.port : 443,
                },
              }
            : {}),
          ...(typeof cc.caBundle === "string" && cc.caBundle
            ? { caBundle: Buffer.from(cc.caBundle, "base64").toString("utf8") }
            : {}),
        },
        matchConditions: objsOf(h.matchConditions).map((m) => ({
          name: str(m.name),
          expression: str(m.expression),
          compiled: compile(str(m.expression), { params: false, authorizer: true }, ["bool"]),
        })),
      };
    }),
  );
}

/** kube's GroupVersionKind.String(), as its messages print a paramKind. */
const gvkString = (apiVersion: string, kind: string) => {
  const [g, v] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return `${g}/${v}, Kind=${kind}`;
};

function compilePolicies(policies: KubeObject[], bindings: KubeObject[]): Snapshot["policies"] {
  const byPolicy = new Map<string, CompiledBinding[]>();
  for (const b of [...bindings].sort(byName)) {
    const spec = objOf((b as Obj).spec);
    const mr = spec.matchResources ? objOf(spec.matchResources) : undefined;
    const list = byPolicy.get(str(spec.policyName)) ?? [];
    list.push({
      name: b.metadata.name ?? "",
      paramRef: spec.paramRef ? objOf(spec.paramRef) : undefined,
      matchResources: mr
        ? {
            ...(mr as MatchResources),
            namespaceSelector: parseSelector(mr.namespaceSelector),
            objectSelector: parseSelector(mr.objectSelector),
          }
        : undefined,
      actions: Array.isArray(spec.validationActions) ? spec.validationActions.map(String) : [],
    });
    byPolicy.set(str(spec.policyName), list);
  }
  return [...policies]
    .sort(byName)
    .filter((p) => byPolicy.has(p.metadata.name ?? ""))
    .map((p) => {
      const policy = compilePolicy(p as Obj, parseSelector);
      let paramType: ResourceType | undefined;
      let paramError: string | undefined;
      if (policy.paramKind) {
        const { apiVersion, kind } = policy.paramKind;
        paramType = resourceTypes.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
        if (!paramType)
          paramError = `failed to find resource referenced by paramKind: '${gvkString(apiVersion, kind)}'`;
      }
      return {
        policy,
        bindings: byPolicy.get(policy.name) ?? [],
        paramType,
        ...(paramError ? { paramError } : {}),
      };
    });
}

/** Resolves a webhook's service to the address the apiserver dials. */
export type ServiceResolver = (namespace: string, name: string, port: number) => { host: string; port: number };

/**
 * The service's cluster IP, as kube-apiserver does without --enable-aggregator-routing (and as vcluster's
 * virtual apiserver does). In evk a virtual Service's clusterIP is the one the host allocated for its host
 * Service (the syncer writes it back), and the apiserver runs in the host namespace, so that address reaches
 * the host Service and through it the webhook's pods, whatever their endpoints are at the moment.
 */
export function clusterIPResolver(cache: WatchCache): ServiceResolver {
  return (namespace, name, port) => {
    const svc = cache.get({ group: "", resource: "services", namespace, name })?.object as Obj | undefined;
    if (!svc) throw new CallError(`service ${JSON.stringify(name)} not found`);
    const spec = objOf(svc.spec);
    const type = str(spec.type) || "ClusterIP";
    if (type === "ClusterIP" && spec.clusterIP === "None")
      throw new CallError(`cannot route to service with ClusterIP "None"`);
    if (type === "ExternalName") return { host: str(spec.externalName), port };
    if (!["ClusterIP", "NodePort", "LoadBalancer"].includes(type))
      throw new CallError(`unsupported service type ${JSON.stringify(type)}`);
    if (!objsOf(spec.ports).some((p) => p.port === port))
      throw new CallError(`no service port ${port} found for service ${JSON.stringify(name)}`);
    return { host: str(spec.clusterIP), port };
  };
}

type MaybePromise<T> = T | Promise<T>;

/** What a write kind gives admission besides the attributes: how a patched object is decoded again. */
export interface MutationHooks {
  /** Decoding (defaulting) of an object a webhook patched, as kube decodes the patched JSON. */
  decode(o: Obj): MaybePromise<Obj>;
  /** The built-in mutating admission plugins, run again when webhooks changed the object (reinvocation). */
  readmit?(o: Obj): MaybePromise<Obj>;
}

/** How a write's objects look to admission, and how they come back. */
export interface WriteHooks extends Partial<MutationHooks> {
  /** The object as the request's version shows it (what webhooks and policies see); identity by default. */
  view?(o: Obj): MaybePromise<Obj>;
  /** Back from that version to the stored one. */
  unview?(o: Obj): MaybePromise<Obj>;
}

/** A write past its mutating admission: what the webhooks made of its object, and its validating half. */
export interface Admitted {
  /** The object as mutation left it, in the stored form; undefined when the webhooks left it as it was. */
  mutated: Obj | undefined;
  validate(object: Obj | undefined): Promise<void>;
}

const PASSED: Admitted = { mutated: undefined, validate: async () => {} };

const callingError = (webhook: string, why: string) => `failed calling webhook ${JSON.stringify(webhook)}: ${why}`;

/** A failure to get a usable answer from a webhook, which its failurePolicy may ignore. */
class WebhookCallFailure extends Error {}

export class Admission {
  private readonly cache: WatchCache;
  private readonly store: Store;
  private readonly resolveService: ServiceResolver;
  private snapshot: Snapshot = EMPTY;
  private dirty = true;
  private watchers: { stop(): void }[] = [];

  constructor(cache: WatchCache, store: Store, resolveService: ServiceResolver = clusterIPResolver(cache)) {
    this.cache = cache;
    this.store = store;
    this.resolveService = resolveService;
    this.subscribe();
  }

  /** Marks the snapshot stale on every change of the four kinds; a watch the cache ends is started again. */
  private subscribe(): void {
    for (const w of this.watchers) w.stop();
    this.watchers = Object.values(KINDS).map((r) =>
      this.cache.watch(
        r,
        { fromRevision: 0 },
        () => this.changed(),
        () => {
          this.changed();
          setImmediate(() => this.subscribe());
        },
      ),
    );
  }

  private refresh: NodeJS.Timeout | undefined;

  /**
   * The configuration changed: compile it soon, off any request's path (a burst of changes compiles once), so
   * that policies get their status even when no write follows.
   */
  private changed(): void {
    this.dirty = true;
    if (this.refresh) return;
    this.refresh = setTimeout(() => {
      this.refresh = undefined;
      this.current();
    }, 20);
    this.refresh.unref();
  }

  stop(): void {
    for (const w of this.watchers) w.stop();
    this.watchers = [];
    clearTimeout(this.refresh);
  }

  private current(): Snapshot {
    if (!this.dirty) return this.snapshot;
    this.dirty = false;
    const list = (r: { group: string; resource: string }) => this.cache.list(r).items.map((i) => i.object);
    const mutating = list(KINDS.mutating);
    const validating = list(KINDS.validating);
    const policies = list(KINDS.policies);
    const bindings = list(KINDS.bindings);
    this.snapshot =
      mutating.length + validating.length + bindings.length === 0
        ? EMPTY
        : {
            mutating: compileWebhooks(mutating),
            validating: compileWebhooks(validating),
            policies: compilePolicies(policies, bindings),
          };
    void this.writePolicyStatuses(policies);
    return this.snapshot;
  }

  /** Nothing is configured: writes need no admission at all (checked first on every write). */
  get idle(): boolean {
    const s = this.current();
    return s.mutating.length === 0 && s.validating.length === 0 && s.policies.length === 0;
  }

  get mutates(): boolean {
    return this.current().mutating.length > 0;
  }

  // ---- matching ------------------------------------------------------------------------------------------------

  private async namespaceOf(name: string): Promise<Obj> {
    const cached = this.cache.get({ group: "", resource: "namespaces", name })?.object;
    if (cached) return cached as Obj;
    try {
      return (await this.store.get({ group: "", resource: "namespaces", name })) as Obj;
    } catch (err) {
      if (isStatusError(err, "NotFound")) throw errors.notFound({ group: "", resource: "namespaces" }, name);
      throw err;
    }
  }

  private async namespaceMatches(sel: ParsedSelector, attr: Attributes): Promise<boolean> {
    if (!needsNamespaceLabels(sel, attr)) return true;
    if (!sel) throw errors.internal("invalid namespace selector");
    const labels =
      namespaceLabelsFromRequest(attr) ??
      (objOf(objOf((await this.namespaceOf(attr.namespace)).metadata).labels) as Record<string, string>);
    return sel.matches(labels);
  }

  /** generic.Webhook.ShouldCallHook: the invocation if the webhook applies, else undefined. */
  private async shouldCall(h: CompiledWebhook, attr: Attributes): Promise<Invocation | undefined> {
    const inv = webhookInvocation(h.rules, h.matchPolicy, attr);
    if (!inv) return undefined;
    if (!(await this.namespaceMatches(h.namespaceSelector, attr))) return undefined;
    if (!h.objectSelector) throw errors.internal("invalid object selector");
    if (!objectSelectorMatches(h.objectSelector, attr)) return undefined;
    if (h.matchConditions.length === 0) return inv;
    const activation = {
      object: toCel(attr.object ?? null),
      oldObject: toCel(attr.oldObject ?? null),
      request: celRequest(attr, inv.resource, inv.kind),
      namespaceObject: null,
      authorizer: authorizerValue(),
    };
    const errs: string[] = [];
    for (const mc of h.matchConditions) {
      const r = mc.compiled.ok
        ? run(mc.expression, mc.compiled, activation)
        : { error: `compilation error: ${mc.compiled.detail}` };
      if ("error" in r) errs.push(r.error);
      else if (r.value === false) return undefined;
    }
    if (errs.length === 0) return inv;
    if (h.failurePolicy === "Ignore") return undefined;
    const message = errs.length === 1 ? (errs[0] as string) : `[${errs.join(", ")}]`;
    throw forbidden(attr, attr.name, message);
  }

  // ---- calling -----------------------------------------------------------------------------------------------

  private target(h: CompiledWebhook): Target {
    const cc = h.clientConfig;
    if (cc.service) {
      const s = cc.service;
      const serverName = `${s.name}.${s.namespace}.svc`;
      const url = new URL(`https://${serverName}:${s.port}`);
      url.pathname = s.path ?? "";
      const address = this.resolveService(s.namespace, s.name, s.port);
      return { url, dial: address, servername: serverName, ...(cc.caBundle ? { caBundle: cc.caBundle } : {}) };
    }
    if (!cc.url)
      throw new WebhookCallFailure(callingError(h.name, "webhook configuration must have either service or URL"));
    return { url: new URL(cc.url), ...(cc.caBundle ? { caBundle: cc.caBundle } : {}) };
  }

  /** Posts the review; the answer verified, or a WebhookCallFailure in kube's words. */
  private async call(h: CompiledWebhook, inv: Invocation, attr: Attributes, mutating: boolean) {
    if (attr.dryRun && h.sideEffects !== "None" && h.sideEffects !== "NoneOnDryRun")
      throw errors.badRequest(`admission webhook ${JSON.stringify(h.name)} does not support dry run`);
    const version = h.reviewVersions.find((v) => v === "v1" || v === "v1beta1");
    if (!version)
      throw new WebhookCallFailure(
        callingError(
          h.name,
          "could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)",
        ),
      );
    const uid = randomUUID();
    const review = admissionReview(uid, attr, inv);
    if (version === "v1beta1") review.apiVersion = "admission.k8s.io/v1beta1";
    let answer: unknown;
    try {
      answer = await postReview(this.target(h), review, h.timeoutSeconds);
    } catch (err) {
      if (err instanceof WebhookCallFailure) throw err;
      const url = h.clientConfig.service
        ? `https://${h.clientConfig.service.name}.${h.clientConfig.service.namespace}.svc:${h.clientConfig.service.port}${requestPath(h.clientConfig.service.path)}?timeout=${h.timeoutSeconds}s`
        : undefined;
      // A service that does not resolve fails at dial time, inside the client's Post.
      const why =
        err instanceof CallError && url && !String(err.message).startsWith("Post ")
          ? `Post ${JSON.stringify(url)}: ${err.message}`
          : (err as Error).message;
      throw new WebhookCallFailure(callingError(h.name, `failed to call webhook: ${why}`));
    }
    if (version === "v1beta1") {
      const r = answer as { response?: Obj };
      if (!r.response)
        throw new WebhookCallFailure(
          callingError(h.name, "received invalid webhook response: webhook response was absent"),
        );
      answer = {
        kind: "AdmissionReview",
        apiVersion: "admission.k8s.io/v1",
        response: { ...r.response, uid, ...(r.response.patch ? { patchType: "JSONPatch" } : {}) },
      };
    }
    const result = verifyResponse(uid, mutating, answer);
    if ("invalid" in result)
      throw new WebhookCallFailure(callingError(h.name, `received invalid webhook response: ${result.invalid}`));
    return result;
  }

  /**
   * One write through admission in kube's order: mutating webhooks on the attributes' object (storage form), then
   * `validated` (the strategy and validation, which returns what would be stored) with what the webhooks made of
   * the object, or undefined when they left it as it was; then the validating policies and webhooks on what
   * `validated` returned. With nothing configured this is `validated(undefined)` and no more.
   */
  async write<T extends Obj | undefined>(
    attributes: () => Attributes,
    hooks: WriteHooks,
    validated: (mutated: Obj | undefined) => MaybePromise<T>,
    warnings: string[],
  ): Promise<T> {
    // The hot path: nothing configured, nothing built.
    if (this.idle) return validated(undefined);
    const admitted = await this.admit(attributes, hooks, warnings);
    const result = await validated(admitted.mutated);
    await admitted.validate(result ?? undefined);
    return result;
  }

  /**
   * `write` in its two halves, for writes whose validating admission runs inside their own work as kube's
   * REST storage runs it (an eviction before the pod is read, a token request before it is signed): the
   * mutating webhooks have run; `validate` runs the policies and validating webhooks on what is to be written.
   */
  async admit(attributes: () => Attributes, hooks: WriteHooks, warnings: string[]): Promise<Admitted> {
    if (this.idle) return PASSED;
    const attr = attributes();
    const view = async (o: Obj | undefined) =>
      goShapedMetadata(o === undefined || !hooks.view ? o : await hooks.view(o));
    const unview = async (o: Obj | undefined) => (o === undefined || !hooks.unview ? o : hooks.unview(o));
    const seen = { ...attr, object: await view(attr.object), oldObject: await view(attr.oldObject) };
    let object: Obj | undefined;
    if (this.mutates && seen.object !== undefined) {
      const mutated = await this.mutate(
        seen,
        {
          decode: async (o) => (await view(await (hooks.decode ?? ((x: Obj) => x))((await unview(o)) as Obj))) as Obj,
          ...(hooks.readmit
            ? {
                readmit: async (o: Obj) =>
                  (await view(await (hooks.readmit as MutationHooks["readmit"] & {})((await unview(o)) as Obj))) as Obj,
              }
            : {}),
        },
        warnings,
      );
      if (mutated !== seen.object) object = await unview(mutated);
    } else if (this.mutates) await this.mutate(seen, { decode: (o) => o }, warnings);
    return {
      mutated: object,
      validate: async (result) => this.validate({ ...seen, object: await view(result) }, warnings),
    };
  }

  /** Runs mutating webhooks on the object of a create, update or delete; returns the object they left. */
  async mutate(attr: Attributes, hooks: MutationHooks, warnings: string[]): Promise<Obj | undefined> {
    const webhooks = this.current().mutating;
    if (webhooks.length === 0 || isExemptFromWebhooks(attr)) return attr.object;
    const previously = new Set<string>();
    const reinvoke = new Set<string>();
    let shouldReinvoke = false;
    const requireReinvoking = () => {
      for (const u of previously) reinvoke.add(u);
      previously.clear();
    };
    let current = attr.object;
    const round = async (again: boolean) => {
      for (const h of webhooks) {
        const a = { ...attr, object: current };
        const inv = await this.shouldCall(h, a);
        if (!inv) continue;
        if (again && !reinvoke.has(h.uid)) continue;
        let changed = false;
        try {
          const result = await this.call(h, inv, a, true);
          warnings.push(...result.warnings);
          if (!result.allowed) throw rejection(h.name, result.result);
          if (result.patch?.length) {
            let ops: jsonpatch.Operation[];
            try {
              ops = JSON.parse(result.patch.toString("utf8")) as jsonpatch.Operation[];
              if (!Array.isArray(ops))
                throw new Error("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
            } catch (err) {
              throw new WebhookCallFailure(
                callingError(h.name, `received undecodable patch in webhook response: ${(err as Error).message}`),
              );
            }
            if (ops.length > 0) {
              if (current === undefined)
                throw errors.internal(
                  `admission webhook ${JSON.stringify(h.name)} attempted to modify the object, which is not supported for this operation`,
                );
              if (result.patchType !== "JSONPatch")
                throw new WebhookCallFailure(
                  callingError(h.name, `unsupported patch type ${JSON.stringify(result.patchType)}`),
                );
              let patched: Obj;
              try {
                patched = jsonpatch.applyPatch(structuredClone(current), ops, true, false).newDocument as Obj;
              } catch (err) {
                throw errors.internal(jsonPatchMessage(err));
              }
              const decoded = await hooks.decode(patched);
              changed = JSON.stringify(decoded) !== JSON.stringify(current);
              current = decoded;
            }
          }
        } catch (err) {
          if (err instanceof WebhookCallFailure) {
            if (h.failurePolicy === "Ignore") continue;
            throw errors.internal(err.message);
          }
          throw err;
        } finally {
          if (changed) {
            requireReinvoking();
            shouldReinvoke = true;
          }
          if (h.reinvocationPolicy === "IfNeeded") previously.add(h.uid);
        }
      }
    };
    await round(false);
    if (shouldReinvoke && current !== undefined) {
      const last = JSON.stringify(current);
      if (hooks.readmit) current = await hooks.readmit(current);
      if (JSON.stringify(current) !== last) requireReinvoking();
      await round(true);
    }
    return current;
  }

  /** ValidatingAdmissionPolicies, then validating webhooks; throws the first denial. */
  async validate(attr: Attributes, warnings: string[]): Promise<void> {
    const s = this.current();
    if (s.policies.length) await this.validatePolicies(s, attr, warnings);
    if (s.validating.length === 0 || isExemptFromWebhooks(attr)) return;
    const calls: Promise<void>[] = [];
    let first: unknown;
    for (const h of s.validating) {
      const inv = await this.shouldCall(h, attr);
      if (!inv) continue;
      calls.push(
        this.call(h, inv, attr, false).then(
          (result) => {
            warnings.push(...result.warnings);
            if (!result.allowed) first ??= rejection(h.name, result.result);
          },
          (err) => {
            if (err instanceof WebhookCallFailure) {
              if (h.failurePolicy === "Ignore") return;
              first ??= errors.internal(err.message);
              return;
            }
            first ??= err;
          },
        ),
      );
    }
    await Promise.all(calls);
    if (first !== undefined) throw first;
  }

  private async validatePolicies(s: Snapshot, attr: Attributes, warnings: string[]): Promise<void> {
    const denied: { policy: string; binding?: string; decision: Decision }[] = [];
    const configError = (p: CompiledPolicy, binding: string | undefined, why: string) => {
      if (p.failurePolicy === "Ignore") return;
      const message =
        binding === undefined ? `failed to configure policy: ${why}` : `failed to configure binding: ${why}`;
      denied.push({
        policy: p.name,
        ...(binding !== undefined ? { binding } : {}),
        decision: { action: "deny", error: true, message },
      });
    };
    const authorizer = authorizerValue();
    for (const { policy, bindings, paramType, paramError } of s.policies) {
      const mc = policy.matchConstraints;
      const def = await this.criteriaMatch(mc, attr);
      if (!def) continue;
      if (paramError) {
        configError(policy, undefined, paramError);
        continue;
      }
      for (const b of bindings) {
        if (b.matchResources && !(await this.criteriaMatch(b.matchResources, attr))) continue;
        let params: unknown[];
        try {
          params = this.collectParams(policy, paramType, b.paramRef, attr.namespace);
        } catch (err) {
          configError(policy, b.name, (err as Error).message);
          continue;
        }
        const isNamespaceKind = attr.kind.group === "" && attr.kind.version === "v1" && attr.kind.kind === "Namespace";
        const nsName = isNamespaceKind ? "" : attr.namespace;
        const namespaceObject = nsName ? celNamespace(await this.namespaceOf(nsName)) : null;
        const base = {
          object: toCel(attr.object ?? null),
          oldObject: toCel(attr.oldObject ?? null),
          request: celRequest(attr, def.resource, def.kind),
          namespaceObject,
          authorizer,
        };
        for (const param of params) {
          for (const d of validate(policy, base, param === null ? null : toCel(param))) {
            if (d.action !== "deny") continue;
            for (const action of b.actions) {
              if (action === "Deny") denied.push({ policy: policy.name, binding: b.name, decision: d });
              else if (action === "Warn")
                warnings.push(
                  `Validation failed for ValidatingAdmissionPolicy '${policy.name}' with binding '${b.name}': ${d.message}`,
                );
            }
          }
        }
      }
    }
    const first = denied[0];
    if (!first) return;
    const message = first.binding
      ? `ValidatingAdmissionPolicy '${first.policy}' with binding '${first.binding}' denied request: ${first.decision.message}`
      : `ValidatingAdmissionPolicy '${first.policy}' denied request: ${first.decision.message}`;
    const f = forbidden(attr, resourceName(attr), message);
    const reason = first.decision.reason || "Invalid";
    const code =
      reason === "Forbidden" ? 403 : reason === "Unauthorized" ? 401 : reason === "RequestEntityTooLarge" ? 413 : 422;
    throw new PassedStatusError({
      message: f.message,
      reason,
      details: { ...(f.details ?? {}), causes: [{ message }] },
      code,
    });
  }

  /** A policy's or binding's MatchResources against the request: the matched resource and kind, if any. */
  private async criteriaMatch(
    m: MatchResources & { namespaceSelector: ParsedSelector; objectSelector: ParsedSelector },
    attr: Attributes,
  ): Promise<Invocation | undefined> {
    if (!(await this.namespaceMatches(m.namespaceSelector, attr))) return undefined;
    if (!m.objectSelector || !objectSelectorMatches(m.objectSelector, attr)) return undefined;
    return resourcesMatch(m, attr);
  }

  /** generic.CollectParams: the params a binding evaluates its policy with ([null] when it takes none). */
  private collectParams(
    policy: CompiledPolicy,
    type: ResourceType | undefined,
    ref: Obj | undefined,
    namespace: string,
  ): unknown[] {
    if (!policy.paramKind || !ref || !type) return [null];
    const refNs = str(ref.namespace);
    if (refNs && !type.namespaced)
      throw new Error("paramRef.namespace must not be provided for a cluster-scoped `paramKind`");
    let ns: string | undefined;
    if (type.namespaced) {
      ns = refNs || namespace;
      if (!ns)
        throw new Error("cannot use namespaced paramRef in policy binding that matches cluster-scoped resources");
    }
    let params: unknown[];
    if (str(ref.name)) {
      const got = this.cache.get({
        group: type.group,
        resource: type.resource,
        namespace: ns,
        name: str(ref.name),
      })?.object;
      params = got ? [got] : [];
    } else {
      const sel = parseSelector(ref.selector);
      if (!sel) throw new Error("invalid paramRef selector");
      params = this.cache
        .list(type, ns)
        .items.map((i) => i.object)
        .filter((o) => sel.matches(o.metadata.labels ?? {}));
    }
    if (params.length === 0 && ref.parameterNotFoundAction === "Deny")
      throw new Error("no params found for policy binding with `Deny` parameterNotFoundAction");
    return params;
  }

  // ---- policy status ---------------------------------------------------------------------------------------------

  private statusPending = new Set<string>();

  /**
   * What kube-controller-manager's validatingadmissionpolicy-status controller writes: the generation the
   * policy's expressions were checked at, and the type-checking warnings (evk checks expressions against
   * untyped objects, so it has none to report beyond what validation already refused).
   */
  private async writePolicyStatuses(policies: KubeObject[]): Promise<void> {
    for (const p of policies) {
      const name = p.metadata.name ?? "";
      const generation = p.metadata.generation ?? 0;
      const observed = Number(objOf(p.status).observedGeneration ?? 0);
      if (generation <= observed || this.statusPending.has(name)) continue;
      this.statusPending.add(name);
      try {
        await this.store.guaranteedUpdate({ ...KINDS.policies, name }, (cur) => {
          const g = cur.metadata.generation ?? 0;
          if (g <= Number(objOf(cur.status).observedGeneration ?? 0)) return cur;
          return { ...cur, status: { ...objOf(cur.status), observedGeneration: g, typeChecking: {} } };
        });
      } catch {
        // Gone or changed meanwhile: the next change looks again.
      } finally {
        this.statusPending.delete(name);
      }
    }
  }
}

/** Go's path.Join("/", p) as the rest client cleans a service path. */
function requestPath(p: string | undefined): string {
  const parts = (p ?? "").split("/").filter(Boolean);
  return `/${parts.join("/")}`;
}

/** admission's extractResourceName: the request's name, else the object's name or generateName, else "Unknown". */
function resourceName(attr: Attributes): string {
  if (attr.name) return attr.name;
  const m = objOf(attr.object?.metadata);
  return str(m.name) || str(m.generateName) || "Unknown";
}

/** apierrors.NewForbidden for the request's resource. */
function forbidden(attr: Attributes, name: string, why: string): StatusError {
  const r = attr.resource.group ? `${attr.resource.resource}.${attr.resource.group}` : attr.resource.resource;
  return new StatusError(
    "Forbidden",
    name ? `${r} ${JSON.stringify(name)} is forbidden: ${why}` : `${r} is forbidden: ${why}`,
    {
      ...(name ? { name } : {}),
      ...(attr.resource.group ? { group: attr.resource.group } : {}),
      kind: attr.resource.resource,
    },
  );
}

/** evanphx/json-patch's words for a patch that does not apply. */
function jsonPatchMessage(err: unknown): string {
  const e = err as { name?: string; operation?: { op?: string; path?: string } };
  const op = e.operation?.op ?? "";
  const path = e.operation?.path ?? "";
  if (op === "test") return `testing value ${path} failed: test failed`;
  if (op === "remove" || op === "replace")
    return `${op} operation does not apply: doc is missing key: ${path}: missing value`;
  return `${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`;
}

/**
 * An object's metadata as kube encodes it from its Go struct: empty maps and lists left out (omitempty) and
 * map keys in sorted order, so webhooks and policies see what they would see from kube.
 */
export function goShapedMetadata(o: Obj | undefined): Obj | undefined {
  if (!o || typeof o.metadata !== "object" || o.metadata === null) return o;
  const metadata: Obj = {};
  for (const [k, v] of Object.entries(o.metadata as Obj)) {
    if (Array.isArray(v) && v.length === 0) continue;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const keys = Object.keys(v).sort();
      if (keys.length === 0) continue;
      if (k === "labels" || k === "annotations") {
        metadata[k] = Object.fromEntries(keys.map((x) => [x, (v as Obj)[x]]));
        continue;
      }
    }
    metadata[k] = v;
  }
  return { ...o, metadata };
}

const SYSTEM_FIELDS = ["uid", "creationTimestamp", "generation"] as const;

/**
 * A create's object as admission sees it in kube: before the strategy fills in uid, creationTimestamp and
 * generation, and with a name still to be generated from generateName left empty.
 */
export function beforeSystemFields(o: Obj, nameGenerated: boolean): Obj {
  const metadata = { ...objOf(o.metadata) };
  for (const k of SYSTEM_FIELDS) delete metadata[k];
  if (nameGenerated) delete metadata.name;
  return { ...o, metadata };
}

/** The system fields of `from` (and its generated name) put back on what admission returned. */
export function withSystemFields(o: Obj, from: Obj): Obj {
  const f = objOf(from.metadata);
  const metadata: Obj = { ...objOf(o.metadata) };
  if (!metadata.name) metadata.name = f.name;
  for (const k of SYSTEM_FIELDS) {
    if (f[k] === undefined) delete metadata[k];
    else metadata[k] = f[k];
  }
  return { ...o, metadata };
}

/** The Attributes of a request on `type`, for admission. */
export function attributesFor(
  type: ResourceType,
  req: {
    subresource?: string;
    kind?: { group: string; version: string; kind: string };
    namespace: string | undefined;
    name: string;
    operation: Attributes["operation"];
    object: unknown;
    oldObject: unknown;
    dryRun: boolean;
    options: Obj;
    user: Attributes["userInfo"] | undefined;
  },
): Attributes {
  const isNamespace = type.group === "" && type.resource === "namespaces";
  return {
    resource: { group: type.group, version: type.version, resource: type.resource },
    subresource: req.subresource ?? "",
    kind: req.kind ?? { group: type.group, version: type.version, kind: type.kind },
    // kube's RequestInfo (and its create handler) give a namespace's own requests its name as the namespace.
    namespace: isNamespace ? req.name : (req.namespace ?? ""),
    name: req.name,
    operation: req.operation,
    object: (req.object ?? undefined) as Obj | undefined,
    oldObject: (req.oldObject ?? undefined) as Obj | undefined,
    dryRun: req.dryRun,
    options: req.options,
    userInfo: req.user ?? { username: "system:anonymous", groups: ["system:unauthenticated"] },
  };
}

/** CreateOptions / UpdateOptions from a request's query, as kube decodes them for admission. */
export function writeOptions(kind: "CreateOptions" | "UpdateOptions", query: URLSearchParams): Obj {
  const dryRun = query.getAll("dryRun");
  return {
    kind,
    apiVersion: "meta.k8s.io/v1",
    ...(dryRun.length ? { dryRun } : {}),
    ...(query.get("fieldManager") ? { fieldManager: query.get("fieldManager") } : {}),
    ...(query.get("fieldValidation") ? { fieldValidation: query.get("fieldValidation") } : {}),
  };
}
