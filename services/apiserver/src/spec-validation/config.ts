import { goJsonKind, scanJson } from "@evk/kube";
import { type FieldError, forbidden, invalid, q, required, tooLong } from "./field-errors.ts";
import { configMapKeyProblems, each, IMMUTABLE, isNil, key, keys, type Obj, obj, str } from "./formats.ts";

// kube-apiserver 1.35's validation of ConfigMaps and Secrets: their keys, their total size, what an
// `immutable: true` object may no longer change, and the keys each Secret type requires.

type Errs = FieldError[];

/** core.MaxSecretSize, which ConfigMaps share. */
const MAX_SIZE = 1024 * 1024;

const bytesOfBase64 = (v: unknown) => Buffer.from(str(v), "base64").length;
/**
 * reflect.DeepEqual of a map in the request and the stored one: nil and empty differ, and storage (protobuf)
 * gives back an empty map as nil.
 */
const same = (next: unknown, stored: unknown) =>
  JSON.stringify(sorted(next, false)) === JSON.stringify(sorted(stored, true));
function sorted(v: unknown, stored: boolean): unknown {
  if (isNil(v)) return null;
  const o = obj(v);
  if (stored && keys(o).length === 0) return null;
  return keys(o).map((k) => [k, o[k]]);
}

function configMapProblems(cm: Obj): Errs {
  const out: Errs = [];
  const data = obj(cm.data);
  const binary = obj(cm.binaryData);
  let size = 0;
  for (const k of keys(data)) {
    out.push(...each(key("data", k), k, configMapKeyProblems(k)));
    if (k in binary) out.push(invalid(key("data", k), q(k), "duplicate of key present in binaryData"));
    size += Buffer.byteLength(str(data[k]));
  }
  for (const k of keys(binary)) {
    out.push(...each(key("binaryData", k), k, configMapKeyProblems(k)));
    size += bytesOfBase64(binary[k]);
  }
  // Go reports the size against the whole object: an empty field path.
  if (size > MAX_SIZE) out.push(tooLong("", MAX_SIZE));
  return out;
}

/** ValidateConfigMap, after ValidateObjectMeta. */
export const configMapCreateProblems = configMapProblems;

/** ValidateConfigMapUpdate, after ValidateObjectMetaUpdate. */
export function configMapUpdateProblems(cm: Obj, old: Obj): Errs {
  const out: Errs = [];
  if (old.immutable === true) {
    if (cm.immutable !== true) out.push(forbidden("immutable", "field is immutable when `immutable` is set"));
    if (!same(cm.data, old.data)) out.push(forbidden("data", "field is immutable when `immutable` is set"));
    if (!same(cm.binaryData, old.binaryData))
      out.push(forbidden("binaryData", "field is immutable when `immutable` is set"));
  }
  out.push(...configMapProblems(cm));
  return out;
}

/** json.Unmarshal of the bytes into a map[string]interface{}: its error, or undefined. */
function goJsonObjectError(data: Buffer): string | undefined {
  const syntax = scanJson(data).error;
  if (syntax) return syntax;
  const kind = goJsonKind(JSON.parse(data.toString("utf8")));
  return kind === "object" || kind === "null"
    ? undefined
    : `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

function secretProblems(secret: Obj): Errs {
  const out: Errs = [];
  const data = obj(secret.data);
  let size = 0;
  for (const k of keys(data)) {
    out.push(...each(key("data", k), k, configMapKeyProblems(k)));
    size += bytesOfBase64(data[k]);
  }
  if (size > MAX_SIZE) out.push(tooLong("data", MAX_SIZE));
  switch (str(secret.type)) {
    case "kubernetes.io/service-account-token":
      if (!str(obj(obj(secret.metadata).annotations)["kubernetes.io/service-account.name"]))
        out.push(required("metadata.annotations[kubernetes.io/service-account.name]"));
      break;
    case "kubernetes.io/dockercfg":
    case "kubernetes.io/dockerconfigjson": {
      const k = str(secret.type) === "kubernetes.io/dockercfg" ? ".dockercfg" : ".dockerconfigjson";
      if (!(k in data)) {
        out.push(required(key("data", k)));
        break;
      }
      const why = goJsonObjectError(Buffer.from(str(data[k]), "base64"));
      if (why) out.push(invalid(key("data", k), q("<secret contents redacted>"), why));
      break;
    }
    case "kubernetes.io/basic-auth":
      if (!("username" in data) && !("password" in data))
        out.push(required("data[username]"), required("data[password]"));
      break;
    case "kubernetes.io/ssh-auth":
      if (bytesOfBase64(data["ssh-privatekey"]) === 0) out.push(required("data[ssh-privatekey]"));
      break;
    case "kubernetes.io/tls":
      if (!("tls.crt" in data)) out.push(required("data[tls.crt]"));
      if (!("tls.key" in data)) out.push(required("data[tls.key]"));
      break;
  }
  return out;
}

/** ValidateSecret, after ValidateObjectMeta. */
export const secretCreateProblems = secretProblems;

/** ValidateSecretUpdate, after ValidateObjectMetaUpdate. */
export function secretUpdateProblems(secret: Obj, old: Obj): Errs {
  const out: Errs = [];
  if (str(secret.type) !== str(old.type)) out.push(invalid("type", q(str(secret.type)), IMMUTABLE));
  if (old.immutable === true) {
    if (secret.immutable !== true) out.push(forbidden("immutable", "field is immutable when `immutable` is set"));
    if (!same(secret.data, old.data)) out.push(forbidden("data", "field is immutable when `immutable` is set"));
  }
  out.push(...secretProblems(secret));
  return out;
}
