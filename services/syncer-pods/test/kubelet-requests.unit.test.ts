import assert from "node:assert/strict";
import {
  hostRequestPath,
  isRefusal,
  type KubeletRequest,
  parseKubeletRequest,
  virtualizeText,
} from "../src/kubelet-requests.ts";

const parse = (method: string, pathAndQuery: string) => {
  const u = new URL(pathAndQuery, "https://kubelet");
  return parseKubeletRequest(method, u.pathname, u.searchParams);
};

describe("the virtual nodes' kubelet API: routes and the host request each becomes", () => {
  const HOST_NS = "evk-vc";
  const HOST_POD = "web-x-default-x-vc";
  const cases: [string, string, string, Partial<KubeletRequest>, string][] = [
    [
      "plain logs",
      "GET",
      "/containerLogs/default/web/app",
      { route: "containerLogs", namespace: "default", pod: "web", container: "app" },
      "/api/v1/namespaces/evk-vc/pods/web-x-default-x-vc/log?container=app",
    ],
    [
      "logs with every option kube-apiserver sends, and one it does not",
      "GET",
      "/containerLogs/default/web/app?follow=true&limitBytes=10&previous=true&sinceTime=2020-01-01T00%3A00%3A00Z&tailLines=2&timestamps=true&sinceSeconds=5&insecure=1",
      { route: "containerLogs", container: "app" },
      "/api/v1/namespaces/evk-vc/pods/web-x-default-x-vc/log?container=app&follow=true&previous=true&timestamps=true&sinceSeconds=5&sinceTime=2020-01-01T00%3A00%3A00Z&tailLines=2&limitBytes=10",
    ],
    [
      "exec with the pod's uid, stdin and stdout, a command of several words",
      "POST",
      "/exec/default/web/uid-1/app?command=sh&command=-c&command=echo%20hi&input=1&output=1",
      { route: "exec", uid: "uid-1", container: "app" },
      "/api/v1/namespaces/evk-vc/pods/web-x-default-x-vc/exec?container=app&stdin=true&stdout=true&command=sh&command=-c&command=echo%20hi",
    ],
    [
      "exec without a uid; flags other than 1 are off, as kubelet reads them",
      "GET",
      "/exec/default/web/app?error=1&tty=true&output=0&command=ls",
      { route: "exec", container: "app" },
      "/api/v1/namespaces/evk-vc/pods/web-x-default-x-vc/exec?container=app&stderr=true&command=ls",
    ],
    [
      "attach ignores a command",
      "GET",
      "/attach/default/web/uid-1/app?output=1&tty=1&command=ls",
      { route: "attach", uid: "uid-1", container: "app" },
      "/api/v1/namespaces/evk-vc/pods/web-x-default-x-vc/attach?container=app&stdout=true&tty=true",
    ],
    [
      "port-forward of two ports",
      "GET",
      "/portForward/default/web/uid-1?port=80%2C8080",
      { route: "portForward", uid: "uid-1", container: "" },
      "/api/v1/namespaces/evk-vc/pods/web-x-default-x-vc/portforward?ports=80%2C8080",
    ],
    [
      "port-forward without ports (SPDY names them per stream)",
      "POST",
      "/portForward/default/web",
      { route: "portForward", container: "" },
      "/api/v1/namespaces/evk-vc/pods/web-x-default-x-vc/portforward",
    ],
  ];
  for (const [name, method, path, want, host] of cases)
    it(name, () => {
      const r = parse(method, path);
      assert.ok(!isRefusal(r), JSON.stringify(r));
      for (const [k, v] of Object.entries(want)) assert.deepEqual(r[k as keyof KubeletRequest], v, k);
      if (!("uid" in want)) assert.equal(r.uid, undefined);
      assert.equal(hostRequestPath(r, HOST_NS, HOST_POD), host);
    });

  const refused: [string, string, string, number][] = [
    ["an unknown route", "GET", "/runningpods/", 404],
    ["logs without a container", "GET", "/containerLogs/default/web", 404],
    ["logs with too many segments", "GET", "/containerLogs/default/web/uid/app", 404],
    ["logs by POST", "POST", "/containerLogs/default/web/app", 405],
    ["exec by PUT", "PUT", "/exec/default/web/app", 405],
    ["exec without a container", "GET", "/exec/default/web", 404],
    ["port-forward with too many segments", "GET", "/portForward/default/web/uid/x", 404],
    ["an empty segment", "GET", "/exec/default//app", 404],
    ["a bad escape", "GET", "/exec/default/we%zzb/app", 404],
  ];
  for (const [name, method, path, code] of refused)
    it(`refuses ${name}`, () => {
      const r = parse(method, path);
      assert.ok(isRefusal(r));
      assert.equal(r.code, code);
    });

  const texts: [string, string, string][] = [
    [
      "the host pod's name",
      'container "x" in pod "web-x-default-x-vc" is waiting to start',
      'container "x" in pod "web" is waiting to start',
    ],
    [
      "a namespace/name reference",
      'no logs found for container "app" in pod "evk-vc/web-x-default-x-vc"',
      'no logs found for container "app" in pod "default/web"',
    ],
    ["text without host names", "failed to read log file", "failed to read log file"],
  ];
  for (const [name, text, want] of texts)
    it(`tells an error in the virtual cluster's names: ${name}`, () =>
      assert.equal(
        virtualizeText(text, { namespace: HOST_NS, name: HOST_POD }, { namespace: "default", name: "web" }),
        want,
      ));
});
