import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";
import type { GoDecl, GoField } from "./protobuf-json.ts";

// Kubernetes' .proto files are not part of this repository: they are read at run time from the Go module
// cache the host binaries were built from (or a directory named by --k8s-protos / EVK_K8S_PROTOS), together
// with the Go struct tags next to them, which say what the protos cannot: JSON omitempty, pointers, inlining.

const API = "k8s.io/api";
const APIMACHINERY = "k8s.io/apimachinery";
// Built-in kinds served from other modules: CustomResourceDefinition and APIService. Optional: without
// them those kinds have no protobuf form here.
const APIEXTENSIONS = "k8s.io/apiextensions-apiserver";
const AGGREGATOR = "k8s.io/kube-aggregator";

/** Where the two modules' sources are: an import root (DIR/k8s.io/api/…) or a Go module cache (DIR/k8s.io/api@v…). */
export interface ProtoDirs {
  api: string;
  apimachinery: string;
  apiextensions?: string;
  aggregator?: string;
}

export type ProtoLocation = { ok: true; dirs: ProtoDirs; source: string } | { ok: false; missing: string };

function semverKey(v: string): number[] {
  return (/^v(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1).map(Number);
}

/** The module directory for `mod` under a module cache: the wanted version, else the newest of its minor, else the newest. */
function pickModule(cache: string, mod: string, wanted: string): string | undefined {
  const parent = join(cache, dirname(mod));
  const base = mod.split("/").pop() as string;
  let versions: string[];
  try {
    versions = readdirSync(parent)
      .filter((d) => d.startsWith(`${base}@v`) && !d.slice(base.length + 1).includes("-"))
      .map((d) => d.slice(base.length + 1));
  } catch {
    return undefined;
  }
  if (versions.includes(wanted)) return join(parent, `${base}@${wanted}`);
  const cmp = (a: string, b: string) => {
    const [x, y] = [semverKey(a), semverKey(b)];
    for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
    return 0;
  };
  versions.sort(cmp);
  const minor = wanted.split(".").slice(0, 2).join(".");
  const v = versions.find((x) => x.startsWith(`${minor}.`)) ?? versions[0];
  return v ? join(parent, `${base}@${v}`) : undefined;
}

function goModCache(): string | { missing: string } {
  try {
    const out = execFileSync("go", ["env", "GOMODCACHE"], { encoding: "utf8", timeout: 15_000 }).trim();
    return out || { missing: "`go env GOMODCACHE` printed nothing" };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { missing: e.code === "ENOENT" ? "go is not on PATH" : `\`go env GOMODCACHE\` failed: ${e.message}` };
  }
}

/**
 * Finds k8s.io/api and k8s.io/apimachinery (version `wanted`, e.g. v0.35.4, when a module cache holds several):
 * in `dir` if given, else in `go env GOMODCACHE`. Never throws: what is missing is returned as text.
 */
export function locateK8sProtos(dir: string | undefined, wanted: string): ProtoLocation {
  let root = dir;
  let source = dir ? `--k8s-protos ${dir}` : "";
  if (!root) {
    const cache = goModCache();
    if (typeof cache !== "string")
      return { ok: false, missing: `${cache.missing} (or set --k8s-protos / EVK_K8S_PROTOS)` };
    root = cache;
    source = `go env GOMODCACHE (${cache})`;
  }
  const probe = (d: ProtoDirs) =>
    existsSync(join(d.api, "core/v1/generated.proto")) &&
    existsSync(join(d.apimachinery, "pkg/apis/meta/v1/generated.proto"));
  const optional = (d: ProtoDirs, pick: (mod: string) => string | undefined): ProtoDirs => {
    const ext = pick(APIEXTENSIONS);
    const agg = pick(AGGREGATOR);
    return {
      ...d,
      ...(ext && existsSync(join(ext, EXTENSION_FILES.apiextensions)) ? { apiextensions: ext } : {}),
      ...(agg && existsSync(join(agg, EXTENSION_FILES.aggregator)) ? { aggregator: agg } : {}),
    };
  };
  const flat = { api: join(root, API), apimachinery: join(root, APIMACHINERY) };
  if (probe(flat)) return { ok: true, dirs: optional(flat, (mod) => join(root, mod)), source };
  const api = pickModule(root, API, wanted);
  const apimachinery = pickModule(root, APIMACHINERY, wanted);
  const dirs = api && apimachinery ? { api, apimachinery } : undefined;
  if (dirs && probe(dirs)) return { ok: true, dirs: optional(dirs, (mod) => pickModule(root, mod, wanted)), source };
  return {
    ok: false,
    missing:
      `${API}@${wanted} and ${APIMACHINERY}@${wanted} with their generated.proto files were not found under ${root}` +
      ` (from ${source}; run \`go mod download ${API} ${APIMACHINERY}\` in tools/k8s-bins, or set --k8s-protos)`,
  };
}

const EXTENSION_FILES = {
  apiextensions: "pkg/apis/apiextensions/v1/generated.proto",
  aggregator: "pkg/apis/apiregistration/v1/generated.proto",
};

const TAG = /(\w+):"([^"]*)"/g;

/** Struct fields, slice types and the like, from the Go files of one package (only what JSON needs). */
export function parseGoDecls(source: string): Map<string, GoDecl> {
  const out = new Map<string, GoDecl>();
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const slice = /^type (\w+) \[\]/.exec(line);
    if (slice) {
      out.set(slice[1] as string, { slice: true });
      continue;
    }
    const head = /^type (\w+) struct \{\s*$/.exec(line);
    if (!head) continue;
    const fields = new Map<number, GoField>();
    const order: number[] = [];
    for (i++; i < lines.length && !(lines[i] as string).startsWith("}"); i++) {
      const l = (lines[i] as string).trim();
      if (l.startsWith("//") || !l.includes("`")) continue;
      // `Name Type \`tags\`` or an embedded `Type \`tags\``.
      const m = /^(?:(\w+)\s+)?([^\s`]+)\s+`([^`]*)`/.exec(l);
      if (!m) continue;
      const tags: Record<string, string> = {};
      for (const t of (m[3] as string).matchAll(TAG)) tags[t[1] as string] = t[2] as string;
      const pb = tags.protobuf?.split(",");
      const no = Number(pb?.[1]);
      if (!pb || !Number.isInteger(no) || tags.json === "-") continue;
      const [json = "", ...opts] = (tags.json ?? "").split(",");
      const goType = m[2] as string;
      fields.set(no, {
        json: json || (m[1] ?? ""),
        inline: json === "" && !m[1],
        omitEmpty: opts.includes("omitempty"),
        omitZero: opts.includes("omitzero"),
        pointer: goType.startsWith("*"),
      });
      order.push(no);
    }
    out.set(head[1] as string, { fields, order });
  }
  return out;
}

function readGoDecls(dir: string): Map<string, GoDecl> {
  const out = new Map<string, GoDecl>();
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".go") || f.endsWith("_test.go") || f.startsWith("zz_generated") || f.includes(".pb.")) continue;
    if (f.endsWith("_swagger_doc_generated.go")) continue;
    for (const [k, v] of parseGoDecls(readFileSync(join(dir, f), "utf8"))) out.set(k, v);
  }
  return out;
}

/** The API types of k8s.io/api and apimachinery's meta/v1, loaded one group-version package at a time. */
export class K8sProtos {
  readonly dirs: ProtoDirs;
  private readonly root = new protobuf.Root();
  private readonly goByDir = new Map<string, Map<string, GoDecl>>();
  /** apiVersion → the .proto file (import path) and package of its kinds. */
  private packages: Map<string, { file: string; pkg: string }> | undefined;
  private readonly loaded = new Set<string>();

  constructor(dirs: ProtoDirs) {
    this.dirs = dirs;
    this.root.resolvePath = (_origin, target) => {
      if (target.startsWith(`${API}/`)) return join(dirs.api, target.slice(API.length + 1));
      if (target.startsWith(`${APIMACHINERY}/`)) return join(dirs.apimachinery, target.slice(APIMACHINERY.length + 1));
      if (dirs.apiextensions && target.startsWith(`${APIEXTENSIONS}/`))
        return join(dirs.apiextensions, target.slice(APIEXTENSIONS.length + 1));
      if (dirs.aggregator && target.startsWith(`${AGGREGATOR}/`))
        return join(dirs.aggregator, target.slice(AGGREGATOR.length + 1));
      return target;
    };
  }

  /** apiVersion → proto package path under k8s.io/api, from each package's `+groupName=` (else its directory name). */
  private groupVersions(): Map<string, { file: string; pkg: string }> {
    if (this.packages) return this.packages;
    const out = new Map<string, { file: string; pkg: string }>();
    for (const g of readdirSync(this.dirs.api)) {
      const gdir = join(this.dirs.api, g);
      if (!statSync(gdir).isDirectory()) continue;
      for (const v of readdirSync(gdir)) {
        if (!existsSync(join(gdir, v, "generated.proto"))) continue;
        let group = g;
        try {
          const m = /^\/\/ \+groupName=(\S*)\s*$/m.exec(readFileSync(join(gdir, v, "doc.go"), "utf8"));
          if (m) group = m[1] as string;
        } catch {
          // No doc.go: the directory is the group, as for apps, batch, policy.
        }
        out.set(group ? `${group}/${v}` : v, { file: `${API}/${g}/${v}/generated.proto`, pkg: `k8s.io.api.${g}.${v}` });
      }
    }
    out.set("meta.k8s.io/v1", { file: "", pkg: "" });
    // meta.k8s.io/v1beta1 has a PartialObjectMetadataList of its own; its other kinds are meta/v1's.
    out.set("meta.k8s.io/v1beta1", {
      file: `${APIMACHINERY}/pkg/apis/meta/v1beta1/generated.proto`,
      pkg: "k8s.io.apimachinery.pkg.apis.meta.v1beta1",
    });
    if (this.dirs.apiextensions)
      out.set("apiextensions.k8s.io/v1", {
        file: `${APIEXTENSIONS}/${EXTENSION_FILES.apiextensions}`,
        pkg: "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1",
      });
    if (this.dirs.aggregator)
      out.set("apiregistration.k8s.io/v1", {
        file: `${AGGREGATOR}/${EXTENSION_FILES.aggregator}`,
        pkg: "k8s.io.kube_aggregator.pkg.apis.apiregistration.v1",
      });
    this.packages = out;
    return out;
  }

  private load(file: string): void {
    if (this.loaded.has(file)) return;
    this.root.loadSync(file, { keepCase: true });
    this.root.resolveAll();
    this.loaded.add(file);
  }

  /** The message of a kind; kinds every group-version registers (DeleteOptions, …) come from meta/v1. */
  messageFor(apiVersion: string, kind: string): protobuf.Type | undefined {
    const pkg = this.groupVersions().get(apiVersion);
    if (pkg === undefined) return undefined;
    const find = (name: string) => {
      const t = this.root.lookup(name);
      return t instanceof protobuf.Type ? t : undefined;
    };
    if (pkg.file) {
      this.load(pkg.file);
      const t = find(`${pkg.pkg}.${kind}`);
      if (t) return t;
    }
    this.load(`${APIMACHINERY}/pkg/apis/meta/v1/generated.proto`);
    return find(`k8s.io.apimachinery.pkg.apis.meta.v1.${kind}`);
  }

  /** The Go declaration behind a message, from the Go files beside the .proto that declares it. */
  goDecl = (t: protobuf.Type): GoDecl | undefined => {
    const file = t.filename;
    if (!file) return undefined;
    const dir = dirname(file);
    let decls = this.goByDir.get(dir);
    if (!decls) {
      decls = readGoDecls(dir);
      this.goByDir.set(dir, decls);
    }
    return decls.get(t.name);
  };
}
