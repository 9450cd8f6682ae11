// What a resource may do differently from the built-in write path in api.ts: CustomResourceDefinitions and the
// custom resources they define carry one of these on their ResourceType, and api.ts asks it at each step where
// it has an answer (otherwise the built-in defaulting, strategy, validation and printing apply).
import type { FieldLabelConversion, KubeObject, StatusCause, StatusError } from "@evk/kube";
import type { ObjectRef, Store } from "@evk/store";
import type { FieldValidation } from "../field-validation.ts";
import type { Printer } from "../tables/index.ts";

export interface ResourceBehaviour {
  /** Replaces body.ts's kindMismatch: the refusal of a body whose apiVersion or kind is not the URL's. */
  typeMetaProblem?(body: KubeObject): StatusError | undefined;
  /**
   * Replaces field validation of a create or update body: unknown fields are pruned (or, under Strict, refused),
   * defaults filled in. Returns the warnings to send.
   */
  decode?(body: KubeObject, directive: FieldValidation): string[];
  /** The same for the result of a JSON or merge patch; `quoted` renders the patched document for errors. */
  decodePatched?(patched: KubeObject, directive: FieldValidation, quoted: () => string): string[];
  /** Replaces PrepareForCreate (and the generation rule): the object a create stores. */
  prepareForCreate?(obj: KubeObject): KubeObject;
  /** Replaces spec validation on create: the causes beyond the metadata ones. */
  validateCreate?(obj: KubeObject): StatusCause[];
  /** Warnings a create answers with (WarningsOnCreate). */
  warningsOnCreate?(obj: KubeObject): string[];
  prepareForUpdate?(cur: KubeObject, next: KubeObject): KubeObject;
  validateUpdate?(next: KubeObject, cur: KubeObject): StatusCause[];
  warningsOnUpdate?(next: KubeObject, cur: KubeObject): string[];
  prepareForStatusUpdate?(cur: KubeObject, next: KubeObject): KubeObject;
  validateStatusUpdate?(next: KubeObject, cur: KubeObject): StatusCause[];
  /** Throws when creates are refused (the custom resources of a definition being deleted). */
  admitCreate?(name: string): void;
  /** Replaces the deletion of one object (a CustomResourceDefinition is finalized before it goes). */
  delete?(store: Store, ref: ObjectRef, preconditions: { uid?: string; resourceVersion?: string }): Promise<KubeObject>;
  /** A stored object as served (defaults applied on read, converted to the request's version). */
  served?(obj: KubeObject): KubeObject;
  /** Warnings every request answers with (a deprecated version's). */
  readonly warnings?: string[];
  /** The Table printer. */
  printer?: Printer;
  /** The field selectors the kind takes. */
  fieldLabels?: FieldLabelConversion;
  /** /scale: the Scale of an object, and the object after a Scale write (strategy and validation applied). */
  scale?: {
    toScale(obj: KubeObject): KubeObject;
    apply(cur: KubeObject, scale: unknown): KubeObject;
  };
}
