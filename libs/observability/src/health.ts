import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `/livez` (the process answers), `/readyz` (ready() says it can do its job) and `/metrics` for one
 * process. Bare node:http: probes and scrapes must keep answering while the process is busy.
 */
export async function serveHealth(o: {
  host: string;
  port: number;
  registry: Registry;
  ready: () => boolean | string;
}): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      o.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": o.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    } else if (path === "/livez" || path === "/healthz") res.writeHead(200).end("ok");
    else if (path === "/readyz") {
      const r = o.ready();
      const ok = r === true;
      res.writeHead(ok ? 200 : 503).end(ok ? "ok" : `not ready${typeof r === "string" ? `: ${r}` : ""}`);
    } else res.writeHead(404).end();
  });
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Parses `<host>:<port>` (an empty host means loopback); throws a one-line message otherwise. */
export function parseListenAddress(flag: string, value: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new Error(`${flag} must be <host>:<port>`);
  return { host: m[1] || "127.0.0.1", port: Number(m[2]) };
}
