// Shared set-up of the events integration tests: real etcd and nats-server, a Store to write through,
// and the relay either in this process or as a separate process that fault tests can SIGKILL.
import type { KubeObject } from "@evk/kube";
import { createLogger, createRegistry, type Logger } from "@evk/observability";
import { EtcdClient, Store } from "@evk/store";
import {
  type Etcd,
  type ManagedProcess,
  type Nats,
  startEtcd,
  startNats,
  relayProcess as startRelayProcess,
} from "@evk/testing";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ensureStreams } from "../src/index.ts";

export interface Env {
  etcd: Etcd;
  nats: Nats;
  client: EtcdClient;
  nc: NatsConnection;
  js: ReturnType<typeof jetstream>;
  jsm: Awaited<ReturnType<typeof jetstreamManager>>;
}

export function useRealParts(): Env {
  const env = {} as Env;
  before(async () => {
    [env.etcd, env.nats] = await Promise.all([startEtcd(), startNats()]);
    env.client = new EtcdClient({ endpoints: [env.etcd.endpoint] });
    env.nc = await connect({ servers: env.nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    env.js = jetstream(env.nc);
    env.jsm = await jetstreamManager(env.nc);
    await ensureStreams(env.jsm, { tombstoneTtlSeconds: 3600 });
  });
  after(async () => {
    await env.nc?.close();
    env.client?.close();
    await Promise.all([env.etcd?.dispose(), env.nats?.dispose()]);
  });
  return env;
}

export const quietLog = () => createLogger("test", {});

/** A real logger whose warn and error calls are also recorded, for tests that assert what was logged. */
export function recordingLog(): {
  log: Logger;
  records: { level: string; fields: Record<string, unknown>; msg: string }[];
} {
  const records: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const base = createLogger("test", {});
  const log = new Proxy(base, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if ((prop !== "warn" && prop !== "error") || typeof value !== "function") return value;
      return (fields: Record<string, unknown>, msg: string) => {
        records.push({ level: prop, fields, msg });
        return value.call(target, fields, msg);
      };
    },
  });
  return { log, records };
}
export const registry = () => createRegistry();

/** The relay as its own process, started by the harness so it can be SIGKILLed and restarted. */
export function relayProcess(env: Env, cluster: string, instance: string, extra: string[] = []): ManagedProcess {
  return startRelayProcess({ etcd: env.etcd.endpoint, nats: env.nats.url, cluster, instance, extraArgs: extra });
}

export const pods = { group: "", resource: "pods" };

export function podObj(name: string, n: number, namespace = "default"): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace, uid: `uid-${name}` }, spec: { n } };
}

export function newStore(env: Env, cluster: string): Store {
  return new Store({ etcd: env.client, cluster });
}
