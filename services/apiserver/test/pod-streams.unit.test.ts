import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { PodStreams } from "../src/pod-streams.ts";

describe("pod streams: which requests the server hands over as upgrades", () => {
  const P = "/api/v1/namespaces/default/pods/web";
  const cases: [string, string, string, string | undefined, boolean][] = [
    ["exec over WebSocket", "GET", `${P}/exec?command=ls`, "websocket", true],
    ["exec over SPDY, by POST", "POST", `${P}/exec?command=ls`, "SPDY/3.1", true],
    ["attach", "GET", `${P}/attach`, "SPDY/3.1", true],
    ["port-forward", "GET", `${P}/portforward`, "websocket", true],
    ["a log over WebSocket", "GET", `${P}/log?follow=true`, "WebSocket", true],
    ["a log asking for SPDY (plain HTTP answers it)", "GET", `${P}/log`, "SPDY/3.1", false],
    ["exec without an Upgrade header (answered 400 by the API)", "GET", `${P}/exec?command=ls`, undefined, false],
    ["exec by PUT (answered 405 by the API)", "PUT", `${P}/exec`, "websocket", false],
    ["a watch over WebSocket", "GET", "/api/v1/namespaces/default/pods?watch=true", "websocket", false],
    ["a pod's status", "GET", `${P}/status`, "websocket", false],
    ["exec of a named group's resource", "GET", "/apis/apps/v1/namespaces/default/pods/web/exec", "websocket", false],
  ];
  for (const [name, method, url, upgrade, want] of cases)
    it(`${want ? "takes" : "leaves"} ${name}`, () => {
      const req = { method, url, headers: upgrade ? { upgrade } : {} } as unknown as IncomingMessage;
      assert.equal(PodStreams.takesUpgrade(req), want);
    });
});
