import assert from "node:assert/strict";
import * as n from "../src/compat/normalise.ts";

describe("compat normalising rules", () => {
  const cases: { name: string; rules: (n.Rule | readonly n.Rule[])[]; input: string; want: string }[] = [
    {
      name: "uids anywhere",
      rules: [n.UIDS],
      input: 'uid: 0f8fad5b-d9cb-469f-a165-70867728950e, "uid":"7c9e6679-7425-40de-944b-e07fc1f90ae7"',
      want: 'uid: <uid>, "uid":"<uid>"',
    },
    {
      name: "not a uid: upper case",
      rules: [n.UIDS],
      input: "0F8FAD5B-D9CB-469F-A165-70867728950E",
      want: "0F8FAD5B-D9CB-469F-A165-70867728950E",
    },
    {
      name: "times with and without fractions",
      rules: [n.TIMES],
      input: "2026-01-02T03:04:05Z 2026-01-02T03:04:05.123456Z",
      want: "<time> <time>",
    },
    {
      name: "not a time: an offset",
      rules: [n.TIMES],
      input: "2026-01-02T03:04:05+01:00",
      want: "2026-01-02T03:04:05+01:00",
    },
    {
      name: "resource versions as JSON and as YAML print them",
      rules: [n.RESOURCE_VERSIONS],
      input: '"resourceVersion": "12", "resourceVersion":"7"\nresourceVersion: "12"\nresourceVersion: 9',
      want: '"resourceVersion": "<rv>", "resourceVersion":"<rv>"\nresourceVersion: <rv>\nresourceVersion: <rv>',
    },
    {
      name: "ages as kubectl prints them, followed by a space or the line's end",
      rules: [n.AGES],
      input: "web   1/1   5s\nold   0/1   3m2s   x\nday   2d3h\nnot   5sx 10 h",
      want: "web   1/1   <age>\nold   0/1   <age>   x\nday   <age>\nnot   5sx 10 h",
    },
    { name: "IPv4 addresses", rules: [n.IPS], input: "10.96.0.1:443 and 127.0.0.1", want: "<ip>:443 and <ip>" },
    {
      name: "the token volume's random suffix",
      rules: [n.TOKEN_VOLUMES],
      input: "kube-api-access-x7k2p",
      want: "kube-api-access-<random>",
    },
    {
      name: "kubectl diff's files and header times",
      rules: [n.KUBECTL_DIFF],
      input: "--- /tmp/LIVE-123/v1.ConfigMap.ns.web\t2026-01-02 03:04:05.123456789 +0000",
      want: "--- /tmp/LIVE-<n>/v1.ConfigMap.ns.web\t<time>",
    },
    {
      name: "kubectl output: identities, times, revisions and ages together",
      rules: [n.KUBECTL_OUTPUT],
      input:
        '  creationTimestamp: "2026-01-02T03:04:05Z"\n  resourceVersion: "42"\n  uid: 0f8fad5b-d9cb-469f-a165-70867728950e\nweb 12s',
      want: '  creationTimestamp: "<time>"\n  resourceVersion: <rv>\n  uid: <uid>\nweb <age>',
    },
    {
      name: "rules apply in the order given (a test's own after the shared ones)",
      rules: [n.UIDS, [/<uid>/g, "U"] as n.Rule],
      input: "0f8fad5b-d9cb-469f-a165-70867728950e",
      want: "U",
    },
    { name: "no rules: the text as it is", rules: [], input: "as it is 5s", want: "as it is 5s" },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.equal(n.normaliser(...c.rules)(c.input), c.want);
    });

  it("a normaliser can be used again (global patterns keep no state between texts)", () => {
    const uids = n.normaliser(n.UIDS);
    const text = "0f8fad5b-d9cb-469f-a165-70867728950e";
    assert.equal(uids(text), "<uid>");
    assert.equal(uids(text), "<uid>");
  });
});
