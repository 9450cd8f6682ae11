// The CustomResourceDefinition resource's own write path (apiextensions-apiserver registry/customresourcedefinition):
// v1 defaulting, the create/update/status strategies (status reset, generation, storedVersions), validation,
// and a DELETE that first records the cleanup finalizer and the Terminating condition, so the definition's
// controller can remove every custom resource before the definition goes. Pure but for `delete`.
import { errors, type KubeObject, type StatusCause } from "@evk/kube";
import type { ObjectRef, Store } from "@evk/store";
import { toCauses } from "../spec-validation/field-errors.ts";
import { compactMetadata, keepSystemFields } from "../subresources.ts";
import type { ResourceBehaviour } from "./behaviour.ts";
import {
  crdNameProblem,
  defaultCRD,
  unrecognizedFormats,
  validateCRD,
  validateCRDStatus,
  validateCRDUpdate,
} from "./crd-validation.ts";
import { deepEqual } from "./schema/go-values.ts";
import {
  CLEANUP_FINALIZER,
  type ColumnDefinition,
  type CRD,
  type CRDSpec,
  type CRDStatus,
  isObject,
  withCondition,
} from "./types.ts";

type Json = Record<string, unknown>;

/** v1's JSON: the fields that have no omitempty are always written, as Go writes them. */
export function normalizeCRD(crd: CRD): CRD {
  const out = structuredClone(crd) as CRD;
  if (isObject(out.spec)) {
    const spec = out.spec as CRDSpec & Json;
    spec.group ??= "";
    const names = (isObject(spec.names) ? spec.names : {}) as Json;
    spec.names = { plural: names.plural ?? "", ...names, kind: names.kind ?? "" } as CRDSpec["names"];
    spec.scope ??= "";
    if (Array.isArray(spec.versions))
      spec.versions = spec.versions.map((v) => {
        if (!isObject(v)) return v;
        const x = v as Json;
        const out: Json = { name: x.name ?? "", served: x.served ?? false, storage: x.storage ?? false, ...x };
        if (Array.isArray(x.additionalPrinterColumns))
          out.additionalPrinterColumns = (x.additionalPrinterColumns as ColumnDefinition[]).map((c) =>
            isObject(c) ? { name: c.name ?? "", type: c.type ?? "", jsonPath: c.jsonPath ?? "", ...c } : c,
          );
        if (isObject(x.subresources) && isObject((x.subresources as Json).scale)) {
          const scale = (x.subresources as Json).scale as Json;
          out.subresources = {
            ...(x.subresources as Json),
            scale: {
              specReplicasPath: scale.specReplicasPath ?? "",
              statusReplicasPath: scale.statusReplicasPath ?? "",
              ...scale,
            },
          };
        }
        return out;
      });
    if (spec.preserveUnknownFields === false) delete spec.preserveUnknownFields;
  }
  const status = (isObject(out.status) ? out.status : {}) as CRDStatus & Json;
  const accepted = (isObject(status.acceptedNames) ? status.acceptedNames : {}) as Json;
  out.status = {
    ...status,
    acceptedNames: {
      plural: accepted.plural ?? "",
      ...accepted,
      kind: accepted.kind ?? "",
    } as CRDStatus["acceptedNames"],
    storedVersions: Array.isArray(status.storedVersions) ? status.storedVersions : (null as unknown as string[]),
  };
  const st = out.status as CRDStatus;
  if (Array.isArray(st.conditions) && st.conditions.length === 0) delete st.conditions;
  return out;
}

const storageVersion = (crd: CRD) =>
  (Array.isArray(crd.spec?.versions) ? crd.spec.versions : []).find((v) => isObject(v) && v.storage === true)?.name;

function withStoredVersion(status: CRDStatus, crd: CRD): CRDStatus {
  const storage = storageVersion(crd);
  const stored = Array.isArray(status.storedVersions) ? status.storedVersions : [];
  return storage && !stored.includes(storage) ? { ...status, storedVersions: [...stored, storage] } : status;
}

const causes = (errs: Parameters<typeof toCauses>[0]): StatusCause[] => toCauses(errs);

export const crdBehaviour: ResourceBehaviour = {
  prepareForCreate(obj: KubeObject): KubeObject {
    const crd = defaultCRD(obj as CRD);
    const prepared = {
      ...crd,
      metadata: { ...crd.metadata, generation: 1 },
      status: withStoredVersion({}, crd),
    } as CRD;
    return normalizeCRD(compactMetadata(prepared) as CRD);
  },

  validateCreate(obj: KubeObject): StatusCause[] {
    const crd = obj as CRD;
    const name = crdNameProblem(crd);
    return causes([...(name ? [name] : []), ...validateCRD(crd)]);
  },

  warningsOnCreate: (obj: KubeObject) => unrecognizedFormats(obj as CRD),
  warningsOnUpdate(next: KubeObject, cur: KubeObject) {
    const before = new Set(unrecognizedFormats(cur as CRD));
    return unrecognizedFormats(next as CRD).filter((w) => !before.has(w));
  },

  prepareForUpdate(cur: KubeObject, next: KubeObject): KubeObject {
    const crd = defaultCRD(next as CRD);
    const kept = keepSystemFields(cur, crd) as CRD;
    const old = cur as CRD;
    const changed = !deepEqual(normalizeCRD(kept).spec, normalizeCRD(old).spec);
    const generation = cur.metadata.generation ?? 0;
    const prepared = {
      ...kept,
      metadata: { ...kept.metadata, generation: changed ? generation + 1 : generation },
      status: withStoredVersion(isObject(old.status) ? (old.status as CRDStatus) : {}, kept),
    } as CRD;
    return normalizeCRD(prepared);
  },

  validateUpdate(next: KubeObject, cur: KubeObject): StatusCause[] {
    return causes(validateCRDUpdate(next as CRD, cur as CRD));
  },

  prepareForStatusUpdate(cur: KubeObject, next: KubeObject): KubeObject {
    // kube resets nothing of a definition's metadata on a status write (ResetObjectMetaForStatus(new, new)).
    const crd = defaultCRD(next as CRD);
    const kept = keepSystemFields(cur, crd) as CRD;
    return normalizeCRD({ ...kept, spec: (cur as CRD).spec } as CRD);
  },

  validateStatusUpdate(next: KubeObject): StatusCause[] {
    return causes(validateCRDStatus(next as CRD));
  },

  async delete(store: Store, ref: ObjectRef, pre: { uid?: string; resourceVersion?: string }): Promise<KubeObject> {
    const current = (await store.get(ref)) as CRD;
    const qualified = { group: "apiextensions.k8s.io", resource: "customresourcedefinitions" };
    const name = ref.name;
    if (pre.uid !== undefined && pre.uid !== current.metadata.uid)
      throw errors.conflict(
        qualified,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== current.metadata.resourceVersion)
      throw errors.conflict(
        qualified,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    if (current.metadata.deletionTimestamp) {
      // Already being finalized: kube's store answers with the object while its finalizers remain.
      if ((current.metadata.finalizers ?? []).length > 0) return current;
      return store.delete(ref, { uid: current.metadata.uid as string });
    }
    return store.guaranteedUpdate(ref, (cur) => {
      if (cur.metadata.uid !== current.metadata.uid)
        throw errors.conflict(qualified, name, "the object has been modified");
      const crd = cur as CRD;
      const finalizers = [...(crd.metadata.finalizers ?? [])];
      if (!finalizers.includes(CLEANUP_FINALIZER)) finalizers.push(CLEANUP_FINALIZER);
      return {
        ...crd,
        metadata: {
          ...crd.metadata,
          deletionTimestamp: crd.metadata.deletionTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, "Z"),
          finalizers,
        },
        status: withCondition(isObject(crd.status) ? (crd.status as CRDStatus) : {}, {
          type: "Terminating",
          status: "True",
          reason: "InstanceDeletionPending",
          message: "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
        }),
      } as KubeObject;
    });
  },
};
