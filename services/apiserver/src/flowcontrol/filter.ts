import type { ServerResponse } from "node:http";
import type { RequestInfo } from "../request-info.ts";
import type { FlowControl } from "./controller.ts";
import { digestOf, type RequestUser } from "./match.ts";

// Where API Priority and Fairness meets the request pipeline, as kube-apiserver 1.35's WithPriorityAndFairness
// does it: after authentication, every request but the long-running non-watch ones is classified and waits
// for its seats; a watch gives its seats back once it is set up (or handed to an aggregated server), any other
// request when its response ends.

const LONG_RUNNING_SUBRESOURCES = new Set(["attach", "exec", "proxy", "log", "portforward"]);

/** BasicLongRunningRequestCheck(watch, proxy; attach, exec, proxy, log, portforward). */
export function isLongRunning(info: RequestInfo): boolean {
  if (info.kind !== "resource") return false;
  return (
    (info.verb as string) === "watch" ||
    (info.verb as string) === "proxy" ||
    LONG_RUNNING_SUBRESOURCES.has(info.subresource ?? "")
  );
}

const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration for the `timeout` parameter, in milliseconds; undefined when it does not parse. */
export function parseGoDuration(v: string): number | undefined {
  if (v === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let i = v.startsWith("-") || v.startsWith("+") ? 1 : 0;
  if (i === v.length) return undefined;
  while (i < v.length) {
    re.lastIndex = i;
    const m = re.exec(v);
    if (!m) return undefined;
    total += Number(m[1]) * (GO_UNITS[m[2] as string] as number);
    i = re.lastIndex;
  }
  return v.startsWith("-") ? -total : total;
}

/** How long a request may queue: a quarter of its deadline (the `timeout` it asks for, at most 60 s). */
export function waitLimitMs(info: RequestInfo, query: URLSearchParams): number {
  const max = 60_000;
  if (isLongRunning(info)) return max / 4;
  const asked = parseGoDuration(query.get("timeout") ?? "");
  const timeout = asked !== undefined && asked > 0 && asked < max ? asked : max;
  return Math.min(timeout / 4, 60_000);
}

const initialized = new WeakMap<ServerResponse, () => void>();

/** RequestDelegated / WatchInitialized: the watch on `res` is set up (or proxied); its seats can go. */
export function requestDelegated(res: ServerResponse): void {
  initialized.get(res)?.();
}

export interface FlowControlRequest {
  info: RequestInfo;
  user: RequestUser;
  method: string;
  path: string;
  query: URLSearchParams;
}

/**
 * Runs `next` under flow control (or rejects with 429). `local` tells stored resources from aggregated ones,
 * whose object counts this server does not know.
 */
export function withFlowControl(
  fc: FlowControl,
  r: FlowControlRequest,
  res: ServerResponse,
  local: (group: string, resource: string) => boolean,
  next: () => void,
): void {
  const watch = r.info.kind === "resource" && r.info.verb === "watch";
  if (!watch && isLongRunning(r.info)) {
    next();
    return;
  }
  const d = digestOf(r.info, r.user, r.method, r.path, r.query);
  fc.handle(d, r.query, res, { waitLimitMs: waitLimitMs(r.info, r.query), local }, (done) => {
    if (watch) {
      const forget = fc.watches.register(d, r.query);
      res.once("close", forget);
      // The watch is set up once its headers are out: the events that follow at once are its initial state.
      const signal = () => {
        initialized.delete(res);
        queueMicrotask(done);
      };
      initialized.set(res, signal);
      const writeHead = res.writeHead;
      res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse["writeHead"]>) {
        res.writeHead = writeHead;
        signal();
        return writeHead.apply(this, args);
      } as ServerResponse["writeHead"];
      res.once("close", done);
    } else {
      // A response emits "close" once it is finished or its connection is gone.
      res.once("close", done);
    }
    next();
  });
}
