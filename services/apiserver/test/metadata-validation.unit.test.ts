import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { metadataProblems, metadataUpdateProblems } from "../src/metadata-validation.ts";

const KEY_NAME =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const cm = (metadata: Record<string, unknown>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "a", ...metadata },
});
const long = "a".repeat(64);

// Messages as kube-apiserver 1.35 words them (taken from its answers).
describe("metadata validation", () => {
  const cases: { name: string; meta: Record<string, unknown>; want: string[] }[] = [
    {
      name: "valid labels, annotations, finalizers",
      meta: {
        labels: { "app.kubernetes.io/name": "web", empty: "" },
        annotations: { "Upper/Case": "ok" },
        finalizers: ["kubernetes", "example.com/x"],
      },
      want: [],
    },
    {
      name: "label key with a bad character",
      meta: { labels: { "bad key!": "v" } },
      want: [`metadata.labels: Invalid value: "bad key!": name part ${KEY_NAME}`],
    },
    {
      name: "label key prefix not a subdomain",
      meta: { labels: { "Bad_Prefix/x": "v" } },
      want: [
        `metadata.labels: Invalid value: "Bad_Prefix/x": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    },
    {
      name: "label key with two slashes",
      meta: { labels: { "a/b/c": "v" } },
      want: [
        `metadata.labels: Invalid value: "a/b/c": a valid label key ${KEY_NAME} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    },
    {
      name: "label key name over 63 bytes",
      meta: { labels: { [long]: "v" } },
      want: [`metadata.labels: Invalid value: "${long}": name part must be no more than 63 bytes`],
    },
    {
      name: "label value over 63 bytes",
      meta: { labels: { k: long } },
      want: [`metadata.labels: Invalid value: "${long}": must be no more than 63 bytes`],
    },
    {
      name: "label value starting with '-'",
      meta: { labels: { x: "-v" } },
      want: [
        `metadata.labels: Invalid value: "-v": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    },
    {
      name: "annotation key with a bad character",
      meta: { annotations: { "bad key!": "v" } },
      want: [`metadata.annotations: Invalid value: "bad key!": name part ${KEY_NAME}`],
    },
    {
      name: "annotations over 256 KiB in total",
      meta: { annotations: { a: "x".repeat(256 * 1024) } },
      want: ["metadata.annotations: Too long: may not be more than 262144 bytes"],
    },
    {
      name: "finalizer that is neither standard nor qualified, and has a space",
      meta: { finalizers: ["bad finalizer", "kubernetes"] },
      want: [
        `metadata.finalizers: Invalid value: "bad finalizer": name part ${KEY_NAME}`,
        'metadata.finalizers[0]: Invalid value: "bad finalizer": name is neither a standard finalizer name nor is it fully qualified',
      ],
    },
    {
      name: "orphan and foregroundDeletion together",
      meta: { finalizers: ["orphan", "foregroundDeletion"] },
      want: [
        'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
      ],
    },
    {
      name: "owner reference without uid",
      meta: { ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p" }] },
      want: ['metadata.ownerReferences.uid: Invalid value: "": must not be empty'],
    },
  ];
  for (const c of cases)
    it(c.name, () =>
      assert.deepEqual(
        metadataProblems(cm(c.meta)).map((p) => `${p.field}: ${p.message}`),
        c.want,
      ),
    );

  it("no new finalizer once deletion started; removing one is fine", () => {
    const deleting = cm({ deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["example.com/a"] });
    assert.deepEqual(metadataUpdateProblems(deleting, cm({ finalizers: [] })), []);
    assert.deepEqual(
      metadataUpdateProblems(deleting, cm({ finalizers: ["example.com/a", "example.com/b"] })).map((p) => p.message),
      [
        'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b"}',
      ],
    );
  });
});
