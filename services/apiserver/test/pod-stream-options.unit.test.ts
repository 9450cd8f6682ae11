import assert from "node:assert/strict";
import { type KubeObject, StatusError } from "@evk/kube";
import {
  chooseContainer,
  connectOptionsObject,
  fromConnectOptionsObject,
  goBool,
  goParseInt,
  goParseRFC3339,
  goParseUint,
  kubeletLogError,
  kubeletPath,
  type PodStreamOptions,
  parsePodStreamOptions,
  requireNode,
} from "../src/pod-stream-options.ts";

const statusOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    return err.toStatus();
  }
  assert.fail("expected a StatusError");
};
const errorText = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail("expected an error");
};

describe("pod stream options: Go's conversions", () => {
  // Expected values printed by Go 1.26's strconv and time packages.
  const ints: [string, bigint | string][] = [
    ["12", 12n],
    ["-12", -12n],
    ["+12", 12n],
    ["9223372036854775807", 9223372036854775807n],
    ["-9223372036854775808", -9223372036854775808n],
    ["", 'strconv.ParseInt: parsing "": invalid syntax'],
    ["+", 'strconv.ParseInt: parsing "+": invalid syntax'],
    ["-", 'strconv.ParseInt: parsing "-": invalid syntax'],
    ["abc", 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ["1_000", 'strconv.ParseInt: parsing "1_000": invalid syntax'],
    [" 1", 'strconv.ParseInt: parsing " 1": invalid syntax'],
    ["0x10", 'strconv.ParseInt: parsing "0x10": invalid syntax'],
    ["9223372036854775808", 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    ["-9223372036854775809", 'strconv.ParseInt: parsing "-9223372036854775809": value out of range'],
    ["99999999999999999999x", 'strconv.ParseInt: parsing "99999999999999999999x": value out of range'],
  ];
  for (const [input, want] of ints)
    it(`ParseInt(${JSON.stringify(input)})`, () => {
      if (typeof want === "bigint") assert.equal(goParseInt(input), want);
      else
        assert.equal(
          errorText(() => goParseInt(input)),
          want,
        );
    });

  const uint16s: [string, bigint | string][] = [
    ["80", 80n],
    ["65535", 65535n],
    ["65536", 'strconv.ParseUint: parsing "65536": value out of range'],
    ["+1", 'strconv.ParseUint: parsing "+1": invalid syntax'],
    ["-1", 'strconv.ParseUint: parsing "-1": invalid syntax'],
    ["", 'strconv.ParseUint: parsing "": invalid syntax'],
  ];
  for (const [input, want] of uint16s)
    it(`ParseUint(${JSON.stringify(input)}, 16 bits)`, () => {
      if (typeof want === "bigint") assert.equal(goParseUint(input, 16), want);
      else
        assert.equal(
          errorText(() => goParseUint(input, 16)),
          want,
        );
    });

  const bools: [string, boolean][] = [
    ["true", true],
    ["1", true],
    ["", true],
    ["yes", true],
    ["0", false],
    ["false", false],
    ["FALSE", false],
  ];
  for (const [input, want] of bools)
    it(`bool ${JSON.stringify(input)} is ${want}`, () => assert.equal(goBool(input), want));

  const L = '"2006-01-02T15:04:05Z07:00"';
  const times: [string, string][] = [
    ["2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"],
    ["2020-01-01T1:02:03Z", "2020-01-01T01:02:03Z"],
    ["2020-01-01T10:00:00.123456789+02:00", "2020-01-01T08:00:00Z"],
    ["2020-01-01T10:00:00,5Z", "2020-01-01T10:00:00Z"],
    ["2024-02-29T23:59:59-01:30", "2024-03-01T01:29:59Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"],
    ["", "0001-01-01T00:00:00Z"],
    ["null", "0001-01-01T00:00:00Z"],
    ["2020-01-01", `parsing time "2020-01-01" as ${L}: cannot parse "" as "T"`],
    ["2020-13-01T00:00:00Z", 'parsing time "2020-13-01T00:00:00Z": month out of range'],
    ["2020-02-30T00:00:00Z", 'parsing time "2020-02-30T00:00:00Z": day out of range'],
    ["2020-01-01T24:00:00Z", 'parsing time "2020-01-01T24:00:00Z": hour out of range'],
    ["2020-01-01T10:60:00Z", 'parsing time "2020-01-01T10:60:00Z": minute out of range'],
    ["2020-01-01T10:00:60Z", 'parsing time "2020-01-01T10:00:60Z": second out of range'],
    ["2020-01-01T10:00:00+25:00", 'parsing time "2020-01-01T10:00:00+25:00": time zone offset hour out of range'],
    ["2020-01-01T10:00:00+02:61", 'parsing time "2020-01-01T10:00:00+02:61": time zone offset minute out of range'],
    ["2020-01-01T10:00:00+0200", `parsing time "2020-01-01T10:00:00+0200" as ${L}: cannot parse "+0200" as "Z07:00"`],
    ["2020-01-01T10:00:00Zjunk", 'parsing time "2020-01-01T10:00:00Zjunk": extra text: "junk"'],
    ["x", `parsing time "x" as ${L}: cannot parse "x" as "2006"`],
    ["20201-01-01T00:00:00Z", `parsing time "20201-01-01T00:00:00Z" as ${L}: cannot parse "1-01-01T00:00:00Z" as "-"`],
    ["2020-1-01T00:00:00Z", `parsing time "2020-1-01T00:00:00Z" as ${L}: cannot parse "1-01T00:00:00Z" as "01"`],
    ["2020-01-01Tab:00:00Z", `parsing time "2020-01-01Tab:00:00Z" as ${L}: cannot parse "ab:00:00Z" as "15"`],
    ["2020-01-01T10:0:00Z", `parsing time "2020-01-01T10:0:00Z" as ${L}: cannot parse "0:00Z" as "04"`],
    ["2020-01-01T10:00:00", `parsing time "2020-01-01T10:00:00" as ${L}: cannot parse "" as "Z07:00"`],
    [
      "2020-01-01T10:00:00*02:00",
      `parsing time "2020-01-01T10:00:00*02:00" as ${L}: cannot parse "*02:00" as "Z07:00"`,
    ],
    ["2020-01-01t10:00:00Z", `parsing time "2020-01-01t10:00:00Z" as ${L}: cannot parse "t10:00:00Z" as "T"`],
    ["é2020", `parsing time "\\xc3\\xa92020" as ${L}: cannot parse "\\xc3\\xa92020" as "2006"`],
  ];
  for (const [input, want] of times)
    it(`RFC3339 ${JSON.stringify(input)}`, () => {
      if (want.startsWith("parsing time"))
        assert.equal(
          errorText(() => goParseRFC3339(input)),
          want,
        );
      else assert.equal(goParseRFC3339(input), want);
    });
});

describe("pod stream options: parsing and validation (kube-apiserver 1.35's answers)", () => {
  const bad: [string, "log" | "exec" | "portforward", string, Record<string, unknown>][] = [
    [
      "a tailLines that is no number",
      "log",
      "tailLines=abc",
      { reason: "BadRequest", code: 400, message: 'strconv.ParseInt: parsing "abc": invalid syntax' },
    ],
    [
      "a tailLines too large",
      "log",
      "tailLines=99999999999999999999",
      { reason: "BadRequest", message: 'strconv.ParseInt: parsing "99999999999999999999": value out of range' },
    ],
    [
      "a sinceTime with month 13",
      "log",
      "sinceTime=2020-13-01T00:00:00Z",
      { reason: "BadRequest", message: 'parsing time "2020-13-01T00:00:00Z": month out of range' },
    ],
    [
      "negative tailLines and zero limitBytes",
      "log",
      "tailLines=-1&limitBytes=0",
      {
        reason: "Invalid",
        code: 422,
        message:
          'PodLogOptions "p1" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]',
        details: {
          name: "p1",
          kind: "PodLogOptions",
          causes: [
            {
              reason: "FieldValueInvalid",
              message: "Invalid value: -1: must be greater than or equal to 0",
              field: "tailLines",
            },
            { reason: "FieldValueInvalid", message: "Invalid value: 0: must be greater than 0", field: "limitBytes" },
          ],
        },
      },
    ],
    [
      "sinceSeconds with an empty sinceTime (still a time: the zero one)",
      "log",
      "sinceTime=&sinceSeconds=3",
      {
        reason: "Invalid",
        message:
          'PodLogOptions "p1" is invalid: []: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
      },
    ],
    [
      "a zero sinceSeconds",
      "log",
      "sinceSeconds=0",
      {
        reason: "Invalid",
        message: 'PodLogOptions "p1" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0',
      },
    ],
    [
      "a stream (PodLogsQuerySplitStreams is off)",
      "log",
      "stream=Stdout",
      { reason: "Invalid", message: 'PodLogOptions "p1" is invalid: stream: Forbidden: may not be specified' },
    ],
    [
      "a port that is no number",
      "portforward",
      "ports=abc",
      { reason: "BadRequest", message: 'cannot convert to []int32: strconv.ParseUint: parsing "abc": invalid syntax' },
    ],
    [
      "a port beyond 16 bits, after a good one",
      "portforward",
      "ports=80,70000",
      {
        reason: "BadRequest",
        message: 'cannot convert to []int32: strconv.ParseUint: parsing "70000": value out of range',
      },
    ],
  ];
  for (const [name, sub, query, want] of bad)
    it(`refuses ${name}`, () => {
      const got = statusOf(() => parsePodStreamOptions(sub, new URLSearchParams(query), "p1"));
      for (const [k, v] of Object.entries(want)) assert.deepEqual((got as unknown as Record<string, unknown>)[k], v, k);
    });

  const pod = { namespace: "default", name: "p1", uid: "u-1" };
  const paths: [string, "log" | "exec" | "attach" | "portforward", string, string, string][] = [
    ["plain logs", "log", "", "c", "/containerLogs/default/p1/c"],
    [
      "every log option, sorted as url.Values.Encode sorts",
      "log",
      "timestamps=true&tailLines=2&follow=1&previous=true&limitBytes=10&sinceTime=2020-01-01T02:00:00%2B02:00&container=c",
      "c",
      "/containerLogs/default/p1/c?follow=true&limitBytes=10&previous=true&sinceTime=2020-01-01T00%3A00%3A00Z&tailLines=2&timestamps=true",
    ],
    ["false flags left out", "log", "follow=false&previous=0", "c", "/containerLogs/default/p1/c"],
    [
      "exec with stdin, stdout and a command of several words",
      "exec",
      "command=sh&command=-c&command=echo%20hi&stdin=true&stdout=true&stderr=false",
      "app",
      "/exec/default/p1/u-1/app?command=sh&command=-c&command=echo%20hi&input=1&output=1",
    ],
    [
      "attach with a tty",
      "attach",
      "stdin=true&stdout=true&tty=true",
      "app",
      "/attach/default/p1/u-1/app?input=1&output=1&tty=1",
    ],
    ["port-forward without ports", "portforward", "", "", "/portForward/default/p1/u-1"],
    [
      "port-forward of two ports",
      "portforward",
      "ports=80&ports=8080,9090",
      "",
      "/portForward/default/p1/u-1?port=80%2C8080%2C9090",
    ],
  ];
  for (const [name, sub, query, container, want] of paths)
    it(`kubelet request: ${name}`, () => {
      const o: PodStreamOptions = parsePodStreamOptions(sub, new URLSearchParams(query), "p1");
      assert.equal(kubeletPath(o, pod, container), want);
    });
});

describe("pod stream options: the container", () => {
  const pod = (spec: Record<string, unknown>, nodeName?: string): KubeObject => ({
    metadata: { name: "p1", namespace: "default" },
    spec: { ...spec, ...(nodeName ? { nodeName } : {}) },
  });
  const c = (...names: string[]) => names.map((name) => ({ name, image: "x" }));
  const cases: [string, KubeObject, string, string][] = [
    ["the only container when none is named", pod({ containers: c("app") }), "", "app"],
    ["a named container", pod({ containers: c("a", "b") }), "b", "b"],
    ["an init container by name", pod({ initContainers: c("init"), containers: c("a") }), "init", "init"],
    ["an ephemeral container by name", pod({ containers: c("a"), ephemeralContainers: c("debug") }), "debug", "debug"],
    ["the only container, even with init containers", pod({ initContainers: c("init"), containers: c("a") }), "", "a"],
  ];
  for (const [name, p, requested, want] of cases)
    it(`chooses ${name}`, () => assert.equal(chooseContainer(p, requested), want));

  const refused: [string, KubeObject, string, string][] = [
    ["an unknown container", pod({ containers: c("a") }), "nope", "container nope is not valid for pod p1"],
    [
      "no container with several to choose from, init and ephemeral ones listed too",
      pod({ initContainers: c("i"), containers: c("a", "b"), ephemeralContainers: c("e") }),
      "",
      "a container name must be specified for pod p1, choose one of: [i a b e]",
    ],
    ["no container in a pod without any", pod({ containers: [] }), "", "a container name must be specified for pod p1"],
  ];
  for (const [name, p, requested, want] of refused)
    it(`refuses ${name}`, () => {
      const s = statusOf(() => chooseContainer(p, requested));
      assert.deepEqual([s.reason, s.code, s.message], ["BadRequest", 400, want]);
    });

  it("refuses a stream to a pod no node runs", () => {
    const s = statusOf(() => requireNode(pod({ containers: c("a") })));
    assert.equal(s.message, "pod p1 does not have a host assigned");
    assert.doesNotThrow(() => requireNode(pod({ containers: c("a") }, "node-1")));
  });
});

describe("pod stream options: a kubelet's error for a log request (GenericHttpResponseChecker)", () => {
  const cases: [string, number, string, Record<string, unknown>][] = [
    ["400 carries the text", 400, "bad thing", { code: 400, reason: "BadRequest", message: "bad thing" }],
    [
      "500 is an internal error with the text as its cause",
      500,
      "boom",
      {
        code: 500,
        reason: "InternalError",
        message: "Internal error occurred: boom",
        details: { causes: [{ message: "boom" }] },
      },
    ],
    [
      "404 names the subresource and the pod",
      404,
      'pod "p1" does not exist',
      {
        code: 404,
        reason: "NotFound",
        message: "the server could not find the requested resource ( pods/log p1)",
        details: { name: "p1", kind: "pods/log" },
      },
    ],
    ["403 keeps the kubelet's words", 403, "no", { code: 403, reason: "Forbidden", message: "no ( pods/log p1)" }],
    [
      "502 quotes the text",
      502,
      'dial "x"',
      {
        code: 502,
        reason: "InternalError",
        message: 'an error on the server ("dial \\"x\\"") has prevented the request from succeeding ( pods/log p1)',
      },
    ],
    [
      "an unknown code has no reason",
      418,
      "teapot",
      {
        code: 418,
        reason: undefined,
        message: "the server responded with the status code 418 but did not return more information ( pods/log p1)",
      },
    ],
  ];
  for (const [name, code, body, want] of cases)
    it(name, () => {
      const s = kubeletLogError(code, body, "p1").toStatus() as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(want)) assert.deepEqual(s[k], v, k);
    });
});

describe("pod stream options: the object CONNECT admission sees", () => {
  const cases: [string, "exec" | "attach" | "portforward", string, Record<string, unknown>][] = [
    [
      "exec: false flags and an empty container left out, command kept",
      "exec",
      "stdin=true&stdout=1&stderr=false&command=ls&command=-l",
      { kind: "PodExecOptions", apiVersion: "v1", stdin: true, stdout: true, command: ["ls", "-l"] },
    ],
    [
      "exec without a command: null, as Go writes a nil slice without omitempty",
      "exec",
      "tty=true&container=app",
      { kind: "PodExecOptions", apiVersion: "v1", tty: true, container: "app", command: null },
    ],
    ["attach has no command", "attach", "stdout=true", { kind: "PodAttachOptions", apiVersion: "v1", stdout: true }],
    [
      "port-forward's ports",
      "portforward",
      "ports=80,8080",
      { kind: "PodPortForwardOptions", apiVersion: "v1", ports: [80, 8080] },
    ],
    ["port-forward without ports", "portforward", "", { kind: "PodPortForwardOptions", apiVersion: "v1" }],
  ];
  for (const [name, sub, query, want] of cases)
    it(name, () => {
      const o = parsePodStreamOptions(sub, new URLSearchParams(query), "p1");
      assert.ok(o.subresource !== "log");
      const obj = connectOptionsObject(o);
      assert.deepEqual(obj, want);
      // What a webhook leaves unchanged comes back as the same options.
      assert.deepEqual(fromConnectOptionsObject(sub, obj), o);
    });

  it("a mutation takes effect: a webhook's command and container replace the request's", () => {
    const o = fromConnectOptionsObject("exec", {
      kind: "PodExecOptions",
      apiVersion: "v1",
      stdout: true,
      container: "sidecar",
      command: ["true"],
    });
    assert.deepEqual(o, {
      subresource: "exec",
      options: { stdin: false, stdout: true, stderr: false, tty: false, container: "sidecar", command: ["true"] },
    });
  });
});
