import assert from "node:assert/strict";
import { upgradeHeaders } from "../src/index.ts";

describe("upgrade relay: the headers a container stream's next hop gets", () => {
  const cases: [string, string[], Record<string, string | string[]>][] = [
    [
      "a WebSocket handshake: its headers, lower-cased; credentials and the rest stay behind",
      [
        "Host",
        "evk:6443",
        "Authorization",
        "Bearer secret",
        "Connection",
        "Upgrade",
        "Upgrade",
        "websocket",
        "Sec-WebSocket-Key",
        "k==",
        "Sec-WebSocket-Version",
        "13",
        "User-Agent",
        "kubectl/v1.35.4",
        "Cookie",
        "a=b",
      ],
      {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-key": "k==",
        "sec-websocket-version": "13",
        "user-agent": "kubectl/v1.35.4",
      },
    ],
    [
      "repeated protocol offers are all kept, in order",
      [
        "X-Stream-Protocol-Version",
        "v5.channel.k8s.io",
        "X-Stream-Protocol-Version",
        "v4.channel.k8s.io",
        "Sec-WebSocket-Protocol",
        "base64.channel.k8s.io",
        "X-Stream-Protocol-Version",
        "channel.k8s.io",
      ],
      {
        "x-stream-protocol-version": ["v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io"],
        "sec-websocket-protocol": "base64.channel.k8s.io",
      },
    ],
    ["no headers", [], {}],
  ];
  for (const [name, raw, want] of cases) it(name, () => assert.deepEqual(upgradeHeaders(raw), want));
});
