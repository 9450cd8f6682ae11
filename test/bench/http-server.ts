// Child process of http.bench.ts: one handler (parse the Kubernetes path, answer a 1 KiB object, as a
// cache read does) served by bare node:http or by express composed as services/apiserver composes it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import express from "express";
import { parseRequest } from "../../services/apiserver/src/request-info.ts";
import { podObject } from "./lib.ts";

const body = JSON.stringify(podObject("web-1", "default"));

function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://x");
  const info = parseRequest(req.method ?? "GET", url.pathname, url.searchParams);
  if (info.kind !== "resource") {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const mode = process.argv[2];
let server: Server;
if (mode === "express") {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.get(["/livez", "/readyz", "/healthz"], (_req, res) => {
    res.send("ok");
  });
  app.use((req, res) => handler(req, res));
  server = createServer(app);
} else {
  server = createServer(handler);
}
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const a = server.address();
  process.stdout.write(`${typeof a === "object" && a ? a.port : 0}\n`);
});
