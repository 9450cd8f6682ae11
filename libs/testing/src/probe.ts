import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface ProbeOptions {
  /** PEM CA to verify the server with; without it, TLS is not verified (health ports with self-signed certs). */
  ca?: string;
  token?: string;
  timeoutMs?: number;
}

export interface ProbeResult {
  status: number;
  body: string;
}

/** One GET with a hard timeout; a refused or hung connection resolves to status 0, never throws. */
export function httpGet(url: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const u = new URL(url);
  const request = u.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(
      u,
      {
        method: "GET",
        timeout: opts.timeoutMs ?? 2000,
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        ...(u.protocol === "https:" ? (opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }) : {}),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", () => resolve({ status: 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve({ status: 0, body: err.message }));
    req.end();
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `check` returns a truthy value or the deadline passes; the error names what was awaited. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
