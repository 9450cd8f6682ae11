import assert from "node:assert/strict";
import { isStatusError } from "@evk/kube";
import {
  DEFAULT_RESTRICTIONS,
  DISCOVERY_RESTRICTIONS,
  negotiate,
  negotiateResource,
  parseAccept,
  resourceProduces,
  routeAccepts,
} from "../src/negotiation.ts";

// Accept headers and what kube-apiserver 1.35.4 answered them with (GET of a namespace, a list, a watch, a
// custom resource), written down from the real server; test/compat/protobuf.compat.test.ts asks both servers.

const ONLY =
  "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf";
const ONLY_STREAM =
  "only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch";
const ROUTE =
  "406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf";
const PB = "application/vnd.kubernetes.protobuf";
const TABLE = "as=Table;v=v1;g=meta.k8s.io";
const POM = "as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
const POML = "as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

type Want = string | { error: string };

const builtin = (verb: "get" | "list" | "watch") => ({
  standard: ["json", "yaml", "protobuf"] as const,
  table: true,
  watch: verb === "watch",
  produces: resourceProduces(verb !== "get"),
});
const custom = (verb: "get" | "list" | "watch") => ({
  standard: ["json", "yaml"] as const,
  table: true,
  watch: verb === "watch",
});

/** The negotiated answer as "encoding[+Kind/version][ pretty]", or the 406's message. */
function outcome(accept: string | undefined, opts: Parameters<typeof negotiateResource>[1]): Want {
  try {
    const n = negotiateResource(accept, opts);
    return `${n.encoding}${n.convert ? `+${n.convert.kind}/${n.convert.version}` : ""}${n.pretty ? " pretty" : ""}`;
  } catch (err) {
    assert.ok(isStatusError(err, "NotAcceptable"), String(err));
    return { error: err.message };
  }
}

describe("negotiation: resource answers as kube-apiserver 1.35 negotiates them", () => {
  const cases: [string, string | undefined, Parameters<typeof negotiateResource>[1], Want][] = [
    ["no Accept header", undefined, builtin("get"), "json"],
    ["client-go's typed clients", `${PB}, application/json`, builtin("get"), "protobuf"],
    ["client-go without AcceptContentTypes", `${PB}, */*`, builtin("list"), "protobuf"],
    ["a protobuf watch", `${PB};stream=watch`, builtin("watch"), "protobuf"],
    ["q-values before order", `application/json;q=0.5, ${PB}`, builtin("get"), "protobuf"],
    ["q=0 still matches", `${PB};q=0, application/json;q=0.5`, builtin("get"), "json"],
    ["an unreadable q is 0", "application/json;q=abc, application/yaml;q=0.5", builtin("get"), "yaml"],
    ["anything", "*/*", builtin("get"), "json"],
    ["yaml", "application/yaml", builtin("get"), "yaml"],
    [
      "kubectl get",
      `application/json;${TABLE},application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json`,
      builtin("list"),
      "json+Table/v1",
    ],
    ["a v1beta1 Table", "application/json;as=Table;v=v1beta1;g=meta.k8s.io", builtin("get"), "json+Table/v1beta1"],
    ["no protobuf Table", `${PB};${TABLE}`, builtin("get"), { error: ONLY }],
    ["no protobuf Table, then JSON", `${PB};${TABLE}, application/json`, builtin("get"), "json"],
    ["no Table of another version", "application/json;as=Table;v=v2;g=meta.k8s.io", builtin("get"), { error: ONLY }],
    ["no unknown transform", "application/json;as=Foo;g=meta.k8s.io;v=v1", builtin("get"), { error: ONLY }],
    [
      "no unknown transform, then JSON",
      "application/json;as=Foo;g=meta.k8s.io;v=v1, application/json",
      builtin("get"),
      "json",
    ],
    ["a group and version but no kind", "application/json;g=apps;v=v1, application/yaml", builtin("get"), "yaml"],
    [
      "the metadata client's list",
      `${PB};${POML},application/json;${POML},application/json`,
      builtin("list"),
      "protobuf+PartialObjectMetadataList/v1",
    ],
    [
      "the metadata client's watch",
      `${PB};${POM},application/json;${POM},application/json`,
      builtin("watch"),
      "protobuf+PartialObjectMetadata/v1",
    ],
    ["stream=watch on a get", "application/json;stream=watch", builtin("get"), "json"],
    ["an unknown stream", "application/json;stream=foo", builtin("get"), { error: ONLY }],
    ["pretty", "application/json;pretty=1", builtin("get"), "json pretty"],
    ["the server version", "application/json;sv=v1", builtin("get"), "json"],
    ["another server version", "application/json;sv=v2", builtin("get"), { error: ONLY }],
    ["application/* passes negotiation but not go-restful", "application/*", builtin("get"), { error: ROUTE }],
    ["media types are case-sensitive", "APPLICATION/JSON", builtin("get"), { error: ROUTE }],
    ["html", "text/html", builtin("get"), { error: ROUTE }],
    [
      "html, for a list",
      "text/html",
      builtin("list"),
      { error: `${ROUTE}, application/json;stream=watch, ${PB};stream=watch` },
    ],
    ["no yaml watch", "application/yaml", builtin("watch"), { error: ONLY_STREAM }],
    ["the first match decides a watch", "application/yaml, application/json", builtin("watch"), { error: ONLY_STREAM }],
    ["a custom resource: JSON after protobuf", `${PB}, application/json`, custom("get"), "json"],
    ["a custom resource: protobuf only", PB, custom("get"), { error: ONLY }],
    ["a custom resource's metadata in protobuf", `${PB};${POM}`, custom("get"), "protobuf+PartialObjectMetadata/v1"],
    ["a custom resource: any media type (no go-restful route)", "application/*", custom("list"), "json"],
  ];
  for (const [name, accept, opts, want] of cases) {
    it(`${name}: ${JSON.stringify(accept)}`, () => assert.deepEqual(outcome(accept, opts), want));
  }
});

describe("negotiation: goautoneg's Accept parsing", () => {
  it("sorts by q, then concrete types before wildcards, with Go's insertion sort on its partial order", () => {
    const order = (h: string) => parseAccept(h).map((c) => `${c.type}/${c.subType}${c.q !== 1 ? `;q=${c.q}` : ""}`);
    assert.deepEqual(order("*/*, application/json"), ["application/json", "*/*"]);
    assert.deepEqual(order("text/*, text/html"), ["text/html", "text/*"]);
    assert.deepEqual(order("a/b;q=0.5, c/d;q=0.9, e/f"), ["e/f", "c/d;q=0.9", "a/b;q=0.5"]);
    // A lower q does not keep a concrete type behind a wildcard: Less says concrete < wildcard regardless.
    assert.deepEqual(order("*/*;q=1, application/json;q=0.1"), ["application/json;q=0.1", "*/*"]);
    assert.deepEqual(order("application/json;q=abc"), ["application/json;q=0"]);
    // Entries without a subtype are dropped, except "*".
    assert.deepEqual(order("application, *, a/b/c, x/y"), ["x/y", "*/*"]);
  });

  it("keeps parameters (trimmed of spaces) and drops malformed ones", () => {
    const [c] = parseAccept(" application/json ; as=Table ;g= meta.k8s.io;v;x=1=2");
    assert.deepEqual(c?.params, { as: "Table", g: "meta.k8s.io" });
  });

  it("lets go-restful take an entry only for */* or a type the route produces exactly", () => {
    const media = ["application/json", "application/yaml"];
    assert.equal(routeAccepts(undefined, media), true);
    assert.equal(routeAccepts("", media), true);
    assert.equal(routeAccepts("text/html, application/json;as=Table", media), true);
    assert.equal(routeAccepts("text/html, */*;q=0", media), true);
    assert.equal(routeAccepts("application/*", media), false);
  });

  it("negotiates errors without transforms and discovery with aggregated documents only", () => {
    assert.equal(negotiate(`${PB};${TABLE}`, DEFAULT_RESTRICTIONS), undefined);
    assert.equal(negotiate(`application/json;${POM}, application/yaml`, DEFAULT_RESTRICTIONS)?.encoding, "yaml");
    const agg = "g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    // kube's discovery wrapper takes an aggregated entry wherever it is in the list.
    assert.deepEqual(negotiate(`application/json, ${PB};${agg}`, DISCOVERY_RESTRICTIONS), {
      encoding: "protobuf",
      pretty: false,
      convert: { group: "apidiscovery.k8s.io", version: "v2", kind: "APIGroupDiscoveryList" },
    });
    assert.equal(
      negotiate("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", DISCOVERY_RESTRICTIONS),
      undefined,
    );
    assert.equal(negotiate("application/json", DISCOVERY_RESTRICTIONS), undefined);
  });
});
