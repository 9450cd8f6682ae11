import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  binaries,
  type HostKubelet,
  IPS,
  type KubectlStep,
  kubectlVersions,
  normaliser,
  type ServerClient,
  UIDS,
  useSideBySide,
  waitFor,
} from "@evk/testing";
import WebSocket from "ws";

// kubectl logs, exec, attach and port-forward (and the raw pods/log, exec, attach, portforward API) against a
// pod of the host's own and against the same pod created in a virtual cluster, which evk's apiserver sends
// through syncer-pods to its twin on the host. Both end at kwok's kubelet API on this machine, so both
// answer from the same log file, the same local commands and the same port-forward target: everything
// printed must be the same.

const NS = "streams";
const cluster = "ps";

/** What may differ between the two: uids, IPs (a host pod's node is its own; times are the log file's). */
const normalise = normaliser(UIDS, IPS);

const cri = (stream: "stdout" | "stderr", text: string, at = new Date()) =>
  `${at.toISOString().replace("Z", "000000Z")} ${stream} F ${text}\n`;

const container = (name: string) => ({ name, image: "registry.example/app:1" });
const pod = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) },
  spec: { terminationGracePeriodSeconds: 0, ...spec },
});
const PODS = [
  pod("one", { containers: [container("app")] }),
  pod("two", { initContainers: [container("init")], containers: [container("a"), container("b")] }),
  pod(
    "annotated",
    { containers: [container("a"), container("b")] },
    { "kubectl.kubernetes.io/default-container": "b" },
  ),
  // Never scheduled: no node has the label.
  pod("pending", { containers: [container("app")], nodeSelector: { "evk.dev/no-such-node": "true" } }),
];

/** A raw request as a client without an Accept header sends it: status, media type and body. */
async function raw(s: ServerClient, method: string, path: string) {
  const r = await s.request(method, path, { accept: null });
  return { code: r.status, type: r.headers["content-type"], body: r.body };
}

/** A WebSocket session on a pod subresource: every frame's payload, by channel, and how it ended. */
async function wsSession(
  t: ServerClient,
  path: string,
  protocol: string,
  talk: (ws: WebSocket) => void,
  /** What the client does with what it has heard so far (by default nothing: the server ends the session). */
  onData?: (channels: Record<number, string>, ws: WebSocket) => void,
): Promise<{ protocol: string; channels: Record<number, string>; closeCode: number }> {
  const { server, ca, cert, key, headers } = await t.credentials();
  const url = new URL(path, server.replace(/^https/, "wss"));
  const ws = new WebSocket(url, [protocol], { ca, cert, key, headers });
  const channels: Record<number, string> = {};
  return new Promise((resolve, reject) => {
    ws.on("open", () => talk(ws));
    ws.on("message", (data: Buffer) => {
      const ch = data[0] as number;
      channels[ch] = (channels[ch] ?? "") + data.subarray(1).toString("latin1");
      onData?.(channels, ws);
    });
    ws.on("close", (closeCode) => resolve({ protocol: ws.protocol, channels, closeCode }));
    ws.on("unexpected-response", (_req, res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    ws.on("error", reject);
  });
}

const kubectls = kubectlVersions();

interface Step extends KubectlStep {
  anyOrder?: boolean;
}

describe("compat: pods/log, exec, attach and portforward of a host pod and of a virtual pod through evk", function () {
  this.timeout(300_000);
  const sides = useSideBySide({
    cluster,
    virtualCluster: { syncers: ["syncer-pods"], nodes: 1, controllerManager: false },
    kubectl: { timeoutMs: 90_000 },
  });
  let kubelet: HostKubelet;
  let kube: ServerClient;
  let evk: ServerClient;
  const both = () => [kube, evk] as const;

  before(async () => {
    const { vc } = sides;
    [kube, evk] = sides.both;
    assert.ok(vc.host.kubelet, "the host serves kwok's kubelet API");
    kubelet = vc.host.kubelet;
    const t = new Date(Date.now() - 5_000);
    writeFileSync(
      kubelet.logsFile,
      cri("stdout", "line one", t) + cri("stderr", "line two on stderr", t) + cri("stdout", "line three", t),
    );
    const manifest = JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } }, ...PODS],
    });
    for (const s of both()) {
      // The host's controller-manager gives the new namespace its default ServiceAccount a moment later.
      await waitFor(
        `pods created on ${s.name}`,
        async () => (await s.kubectl(["apply", "-f", "-"], { stdin: manifest })).code === 0,
        60_000,
        500,
      );
    }
    for (const s of both()) {
      const ready = await s.kubectl([
        "-n",
        NS,
        "wait",
        "--for=condition=Ready",
        "pod/one",
        "pod/two",
        "pod/annotated",
        "--timeout=120s",
      ]);
      assert.equal(ready.code, 0, `${s.name}: ${ready.stderr}`);
    }
  });

  /**
   * Runs each step on both servers; every difference is reported at once. An exec or attach step that differs
   * is run again (three tries in all): on either side, now and then, kwok's kubelet drops what a command wrote
   * just before it exited, and kubectl 1.33's WebSocket client discards a frame that arrives before it has set
   * up its streams ("Unknown stream id 1"). Both servers must still agree on one of the tries.
   */
  async function sameOnBoth(bin: string, steps: Step[]) {
    const differences: string[] = [];
    for (const step of steps) {
      const tries = step.args[0] === "exec" || step.args[0] === "attach" ? 3 : 1;
      let want: { code?: number; stdout: string; stderr: string } | undefined;
      let got: typeof want;
      let e: Awaited<ReturnType<ReturnType<typeof both>[number]["kubectl"]>> | undefined;
      for (let t = 0; t < tries; t++) {
        const [k, ev] = await Promise.all(
          both().map((s) => s.kubectl(["-n", NS, ...step.args], { bin, stdin: step.stdin, env: step.env })),
        );
        e = ev;
        // kubectl reads several containers' logs in the order of a Go map: only the lines are the same.
        const out = (text: string) => (step.anyOrder ? normalise(text).split("\n").sort().join("\n") : normalise(text));
        want = { code: k?.code, stdout: out(k?.stdout ?? ""), stderr: normalise(k?.stderr ?? "") };
        got = { code: e?.code, stdout: out(e?.stdout ?? ""), stderr: normalise(e?.stderr ?? "") };
        if (JSON.stringify(want) === JSON.stringify(got)) break;
      }
      if (JSON.stringify(want) !== JSON.stringify(got))
        differences.push(
          `kubectl ${step.args.join(" ")}\n  kube ${JSON.stringify(want)}\n  evk  ${JSON.stringify(got)}`,
        );
      if (/-x-streams-x-/.test(`${e?.stdout}${e?.stderr}`))
        differences.push(`kubectl ${step.args.join(" ")}: evk's answer names the host pod: ${e?.stderr}`);
    }
    assert.deepEqual(differences, [], differences.join("\n"));
  }

  for (const { version, bin } of kubectls) {
    it(`kubectl ${version}: logs, their options and their errors are the same`, async () => {
      await sameOnBoth(bin, [
        { args: ["logs", "one"] },
        { args: ["logs", "pod/one", "-c", "app"] },
        { args: ["logs", "one", "--tail=1"] },
        { args: ["logs", "one", "--tail=2", "--timestamps"] },
        { args: ["logs", "one", "--limit-bytes=6"] },
        { args: ["logs", "one", "--since=1h"] },
        { args: ["logs", "one", "--since-time=2000-01-01T00:00:00Z"] },
        { args: ["logs", "one", "--previous"] },
        { args: ["logs", "one", "-c", "nope"] },
        { args: ["logs", "two"] },
        { args: ["logs", "two", "-c", "b"] },
        { args: ["logs", "two", "-c", "init"] },
        { args: ["logs", "two", "--all-containers", "--prefix"], anyOrder: true },
        { args: ["logs", "annotated"] },
        { args: ["logs", "pending"] },
        { args: ["logs", "missing"] },
        { args: ["logs", "one", "--tail=-5"] },
        // The API's own refusals, as kubectl prints them.
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/two/log`] },
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/one/log?container=nope`] },
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/one/log?tailLines=-1&limitBytes=0`] },
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/one/log?sinceTime=yesterday`] },
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/one/log?stream=Stdout`] },
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/missing/log?tailLines=x`] },
      ]);
    });

    it(`kubectl ${version}: exec's output, errors, exit codes and stdin are the same`, async () => {
      const script = "echo out; echo err >&2; exit 3";
      await sameOnBoth(bin, [
        { args: ["exec", "one", "--", "sh", "-c", "echo hello from $(basename $PWD)"] },
        { args: ["exec", "one", "--", "sh", "-c", script] },
        { args: ["exec", "-i", "one", "--", "sh", "-c", "read line; echo got $line"], stdin: "from stdin\n" },
        // SPDY/3.1, which kubectl falls back to when WebSockets are refused. (Over SPDY even kube-apiserver
        // may lose what a command writes to stderr just before it exits, so only stdout is compared.)
        {
          args: ["exec", "one", "--", "sh", "-c", "echo out; exit 3"],
          env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" },
        },
        {
          args: ["exec", "-i", "one", "--", "sh", "-c", "read line; echo got $line"],
          stdin: "over spdy\n",
          env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" },
        },
        { args: ["exec", "one", "--", "no-such-command"] },
        { args: ["exec", "two", "--", "true"] },
        { args: ["exec", "two", "-c", "b", "--", "sh", "-c", "exit 0"] },
        { args: ["exec", "annotated", "--", "true"] },
        { args: ["exec", "one", "-c", "nope", "--", "true"] },
        { args: ["exec", "pending", "--", "true"] },
        { args: ["exec", "missing", "--", "true"] },
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/one/exec?command=true`] },
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/pending/attach`] },
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/one/portforward?ports=http`] },
      ]);
    });
  }

  it("the raw API answers the same: codes, media types and Status bodies", async () => {
    const requests: [string, string][] = [
      ["GET", "log"],
      ["GET", "log?tailLines=1"],
      ["GET", "log?tailLines=-1&limitBytes=0"],
      ["GET", "log?sinceSeconds=5&sinceTime=2020-01-01T00:00:00Z"],
      ["GET", "log?sinceTime=2020-02-30T00:00:00Z"],
      ["GET", "log?previous=true"],
      ["POST", "log"],
      ["HEAD", "log"],
      ["PUT", "exec"],
      ["DELETE", "attach"],
      ["GET", "exec?command=ls"],
      ["POST", "attach?stdout=true"],
      ["GET", "portforward?ports=70000"],
      ["GET", "exec?container=nope"],
    ];
    const differences: string[] = [];
    for (const [method, rest] of requests)
      for (const name of ["one", "two", "pending", "missing"]) {
        const path = `/api/v1/namespaces/${NS}/pods/${name}/${rest}`;
        const [k, e] = await Promise.all(both().map((s) => raw(s, method, path)));
        if (JSON.stringify(k) !== JSON.stringify(e))
          differences.push(`${method} ${path}\n  kube ${JSON.stringify(k)}\n  evk  ${JSON.stringify(e)}`);
      }
    assert.deepEqual(differences, [], differences.join("\n"));
  });

  it("kubectl logs -f --tail: both follow the file and show the line written later", async () => {
    const followers = both().map((s) => s.startKubectl(["-n", NS, "logs", "-f", "--tail=1", "one"]));
    try {
      await waitFor(
        "both followers print the last line",
        async () => followers.every((f) => f.stdout.includes("line three")),
        60_000,
      );
      appendFileSync(kubelet.logsFile, cri("stdout", "written while following"));
      await waitFor(
        "both followers print the new line",
        async () => followers.every((f) => f.stdout.includes("written while following")),
        60_000,
      );
    } finally {
      await Promise.all(followers.map((f) => f.stop()));
    }
    const [k, e] = followers.map((f) => f.stdout);
    assert.equal(e, k);
    assert.equal(k, "line three\nwritten while following\n");
  });

  it("kubectl attach: both see what the container writes after attaching", async () => {
    const attached = both().map((s) => s.startKubectl(["-n", NS, "attach", "one"]));
    try {
      // kwok follows the file from its end once the stream is up: write until both have seen a line.
      let n = 0;
      await waitFor(
        "both attachments print a line",
        async () => {
          appendFileSync(kubelet.attachFile, cri("stdout", `waiting ${n++}`));
          return attached.every((a) => a.stdout.includes("waiting"));
        },
        60_000,
        500,
      );
      appendFileSync(kubelet.attachFile, cri("stdout", "attached at last"));
      await waitFor(
        "both attachments print the last line",
        async () => attached.every((a) => a.stdout.endsWith("attached at last\n")),
        60_000,
      );
    } finally {
      await Promise.all(attached.map((a) => a.stop()));
    }
    const [k, e] = attached.map((a) => a.stderr);
    assert.equal(e, k, "the same banner");
    assert.ok(!attached.some((a) => a.stderr.includes("rror")), attached.map((a) => a.stderr).join("\n"));
  });

  for (const [transport, env] of [
    ["WebSocket (SPDY tunnelled)", {}],
    ["SPDY/3.1", { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" }],
  ] as const)
    it(`kubectl port-forward over ${transport}: an HTTP GET through the forwarded port gets the same answer`, async () => {
      const forwards = both().map((s) => s.startKubectl(["-n", NS, "port-forward", "pod/one", ":8080"], { env }));
      try {
        await waitFor(
          "both forward a local port",
          async () => forwards.every((f) => /Forwarding from 127\.0\.0\.1:\d+/.test(f.stdout)),
          60_000,
        );
        const bodies = await Promise.all(
          forwards.map((f) => {
            const port = Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(f.stdout)?.[1]);
            return new Promise<string>((resolve, reject) => {
              const req = httpRequest({ host: "127.0.0.1", port, path: "/hello", agent: false }, (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (c: string) => {
                  body += c;
                });
                res.on("end", () => resolve(`${res.statusCode} ${body}`));
              });
              req.on("error", reject);
              req.end();
            });
          }),
        );
        assert.deepEqual(bodies, [`200 ${kubelet.portForwardBody}`, `200 ${kubelet.portForwardBody}`]);
        const lines = forwards.map((f) =>
          f.stdout.replace(/:\d+ ->/g, ":<port> ->").replace(/connection for \d+/g, "connection for <port>"),
        );
        assert.equal(lines[1], lines[0]);
      } finally {
        await Promise.all(forwards.map((f) => f.stop()));
      }
    });

  for (const protocol of ["v5.channel.k8s.io", "v4.channel.k8s.io"])
    it(`a raw WebSocket exec (${protocol}): the same frames on every channel, the same status`, async () => {
      const path = (cmd: string[]) =>
        `/api/v1/namespaces/${NS}/pods/one/exec?${[
          "stdin=true",
          "stdout=true",
          "stderr=true",
          ...cmd.map((c) => `command=${encodeURIComponent(c)}`),
        ].join("&")}`;
      const sessions = [
        path(["sh", "-c", "read l; echo got $l; echo to stderr >&2; exit 2"]),
        path(["sh", "-c", "read l; echo fine $l"]),
      ];
      for (const p of sessions) {
        const [k, e] = await Promise.all(
          both().map((s) =>
            wsSession(s, p, protocol, (ws) => {
              ws.send(Buffer.concat([Buffer.from([0]), Buffer.from("hello\n")]));
            }),
          ),
        );
        assert.deepEqual(e, k, p);
        assert.equal(k?.protocol, protocol);
        assert.match(k?.channels[1] ?? "", /^(got|fine) hello\n$/);
      }
    });

  it("a raw WebSocket exec with a TTY (v5.channel.k8s.io): the terminal takes the size sent on the resize channel", async () => {
    // The size reaches the terminal on its own schedule: the command waits (polling) until it is set. It then
    // waits for a last line, sent once its output is in, so that no output races the end of the command; the
    // terminal's echo of that line is copied out by kwok on its own schedule, so the command lingers a moment
    // after reading it (without that the host itself dropped the echo now and then).
    const script =
      'for i in $(seq 1 100); do s=$(stty size); [ "$s" != "0 0" ] && break; sleep 0.1; done; echo "size $s"; tty -s && echo tty; read done; sleep 0.5';
    const path = `/api/v1/namespaces/${NS}/pods/one/exec?stdin=true&stdout=true&tty=true&command=sh&command=-c&command=${encodeURIComponent(script)}`;
    const [k, e] = await Promise.all(
      both().map((s) =>
        wsSession(
          s,
          path,
          "v5.channel.k8s.io",
          (ws) => {
            ws.send(Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: 120, Height: 40 }))]));
          },
          (channels, ws) => {
            if (channels[1] === "size 40 120\r\ntty\r\n")
              ws.send(Buffer.concat([Buffer.from([0]), Buffer.from("bye\n")]));
          },
        ),
      ),
    );
    assert.deepEqual(e, k);
    // The terminal echoes the last line back.
    assert.equal(k?.channels[1], "size 40 120\r\ntty\r\nbye\r\n");
  });

  it("a raw WebSocket port-forward (v4.channel.k8s.io): the port on each channel, then the same HTTP answer", async () => {
    const request = "GET /raw HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n";
    const [k, e] = await Promise.all(
      both().map((s) =>
        wsSession(
          s,
          `/api/v1/namespaces/${NS}/pods/one/portforward?ports=8080`,
          "v4.channel.k8s.io",
          (ws) => {
            ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(request)]));
          },
          (channels, ws) => {
            if ((channels[0] ?? "").includes(kubelet.portForwardBody)) ws.close(1000);
          },
        ),
      ),
    );
    const strip = (x: typeof k) => ({ ...x, channels: { ...x?.channels, 0: normaliseHttp(x?.channels[0] ?? "") } });
    assert.deepEqual(strip(e), strip(k));
    assert.ok(k?.channels[0]?.includes(kubelet.portForwardBody), JSON.stringify(k));
  });

  it("a log read over a WebSocket (binary.k8s.io, base64.binary.k8s.io, no protocol): the same log, the same end", async () => {
    const read = async (t: ServerClient, path: string, protocols: string[]) => {
      const { server, ca, headers } = await t.credentials();
      const ws = new WebSocket(new URL(path, server.replace(/^https/, "wss")), protocols, { ca, headers });
      const messages: { binary: boolean; data: Buffer }[] = [];
      return new Promise<Record<string, unknown>>((resolve) => {
        ws.on("message", (data: Buffer, binary: boolean) => messages.push({ binary, data }));
        ws.on("close", (closeCode) => {
          const decode = (m: { binary: boolean; data: Buffer }) =>
            m.binary ? m.data.toString("utf8") : Buffer.from(m.data.toString("utf8"), "base64").toString("utf8");
          resolve({
            protocol: ws.protocol,
            closeCode,
            first: messages[0] && { binary: messages[0].binary, length: messages[0].data.length },
            binary: [...new Set(messages.map((m) => m.binary))],
            log: messages.map(decode).join(""),
          });
        });
        ws.on("unexpected-response", (_req, res) => {
          let body = "";
          res.on("data", (c: Buffer) => {
            body += c.toString("utf8");
          });
          res.on("end", () => resolve({ refused: res.statusCode, body }));
        });
        // A client that offered no protocol refuses an answer naming one, even an empty one, as ws does.
        ws.on("error", (err) => resolve({ error: err.message }));
      });
    };
    const cases: [string, string[]][] = [
      ["log?tailLines=2", ["binary.k8s.io"]],
      ["log?timestamps=true", ["base64.binary.k8s.io"]],
      ["log", []],
      ["log", ["v4.channel.k8s.io", "base64.binary.k8s.io"]],
      ["log", ["v4.channel.k8s.io"]],
      ["log?tailLines=-1", ["binary.k8s.io"]],
    ];
    const differences: string[] = [];
    for (const [rest, protocols] of cases) {
      const path = `/api/v1/namespaces/${NS}/pods/one/${rest}`;
      const [k, e] = await Promise.all(both().map((s) => read(s, path, protocols)));
      if (JSON.stringify(k) !== JSON.stringify(e))
        differences.push(`${path} ${protocols}\n  kube ${JSON.stringify(k)}\n  evk  ${JSON.stringify(e)}`);
    }
    assert.deepEqual(differences, [], differences.join("\n"));
  });

  it("exec, attach and port-forward pass admission as CONNECT: a ValidatingAdmissionPolicy denies the same on both", async () => {
    // Bound to this namespace only, so that on the host it does not cover the virtual pods' twins: a denial
    // through evk must be evk's own.
    const policy = JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        {
          apiVersion: "admissionregistration.k8s.io/v1",
          kind: "ValidatingAdmissionPolicy",
          metadata: { name: "no-forbidden-exec" },
          spec: {
            failurePolicy: "Fail",
            matchConstraints: {
              resourceRules: [
                {
                  apiGroups: [""],
                  apiVersions: ["v1"],
                  operations: ["CONNECT"],
                  resources: ["pods/exec", "pods/attach", "pods/portforward"],
                },
              ],
            },
            validations: [
              {
                expression: "!has(object.command) || object.command.all(c, c != 'forbidden')",
                message: "running forbidden is not allowed",
              },
              { expression: "!has(object.tty) || !object.tty", message: "no terminals here" },
              { expression: "!has(object.ports) || !(9999 in object.ports)", message: "not that port" },
            ],
          },
        },
        {
          apiVersion: "admissionregistration.k8s.io/v1",
          kind: "ValidatingAdmissionPolicyBinding",
          metadata: { name: "no-forbidden-exec" },
          spec: {
            policyName: "no-forbidden-exec",
            validationActions: ["Deny"],
            matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NS } } },
          },
        },
      ],
    });
    for (const s of both()) {
      const applied = await s.kubectl(["apply", "-f", "-"], { stdin: policy });
      assert.equal(applied.code, 0, `${s.name}: ${applied.stderr}`);
    }
    try {
      for (const s of both())
        await waitFor(
          `the policy in effect on ${s.name}`,
          async () => (await s.kubectl(["-n", NS, "exec", "one", "--", "forbidden"])).stderr.includes("not allowed"),
          60_000,
          500,
        );
      await sameOnBoth(binaries.kubectl, [
        { args: ["exec", "one", "--", "forbidden"] },
        { args: ["exec", "one", "--", "sh", "-c", "echo allowed"] },
        { args: ["exec", "missing", "--", "forbidden"] },
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/one/attach?stdout=true&tty=true`] },
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/one/portforward?ports=9999`] },
        { args: ["get", "--raw", `/api/v1/namespaces/${NS}/pods/one/portforward?ports=80`] },
      ]);
    } finally {
      for (const s of both())
        await s.kubectl([
          "delete",
          "validatingadmissionpolicybinding/no-forbidden-exec",
          "validatingadmissionpolicy/no-forbidden-exec",
        ]);
    }
  });

  it("while syncer-pods is down, logs and exec fail with the apiserver's dial error; they work again once it is back", async () => {
    const syncer = sides.vc.syncers["syncer-pods"];
    assert.ok(syncer);
    await syncer.stop();
    try {
      const logs = await evk.kubectl(["-n", NS, "logs", "one"]);
      assert.equal(logs.code, 1);
      assert.match(
        logs.stderr,
        /^Error from server: Get "https:\/\/127\.0\.0\.1:\d+\/containerLogs\/streams\/one\/app": dial tcp 127\.0\.0\.1:\d+: connect: connection refused\n$/,
      );
      const exec = await raw(evk, "GET", `/api/v1/namespaces/${NS}/pods/one/exec?command=true&stdout=true`);
      assert.equal(exec.code, 400, "a plain request is still refused before the kubelet is dialed");
      const ws = await wsSession(
        evk,
        `/api/v1/namespaces/${NS}/pods/one/exec?command=true&stdout=true`,
        "v5.channel.k8s.io",
        () => {},
      ).catch((err: Error) => err.message);
      assert.equal(ws, "no upgrade: 500");
    } finally {
      await syncer.start();
    }
    const back = await evk.kubectl(["-n", NS, "exec", "one", "--", "echo", "back"]);
    assert.deepEqual([back.code, back.stdout], [0, "back\n"]);
  });

  it("the virtual cluster's kubelet API takes only the apiserver: a client without its certificate is turned away", async () => {
    const syncer = sides.vc.syncers["syncer-pods"];
    assert.ok(syncer);
    const address = syncer.spec.args.find((a) => a.startsWith("--kubelet-address="))?.split("=")[1] as string;
    const outcome = await new Promise<string>((resolve) => {
      const req = httpsRequest(
        {
          host: "127.0.0.1",
          port: Number(address.split(":")[1]),
          path: `/containerLogs/${NS}/one/app`,
          rejectUnauthorized: false,
        },
        (res) => resolve(`answered ${res.statusCode}`),
      );
      req.on("error", (err) => resolve(`refused: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      req.end();
    });
    assert.match(outcome, /^refused/);
  });
});

/** The Date header of the forwarded HTTP answer is the only thing that differs between two GETs. */
const normaliseHttp = (text: string) => text.replace(/\r\nDate: [^\r]+/, "\r\nDate: <date>");
