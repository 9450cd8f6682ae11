// The relay as a process: `node libs/events/src/relay-main.ts --etcd URL --nats URL --cluster NAME`
// (or EVK_ETCD / EVK_NATS / EVK_CLUSTER). Logs JSON; SIGTERM ends the term after checkpointing what was
// acknowledged and revokes the lease, so a standby takes over at once.
import { parseArgs } from "node:util";
import { createLogger, createRegistry, parseListenAddress, serveHealth } from "@evk/observability";
import { assertClusterName, EtcdClient } from "@evk/store";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Relay } from "./relay.ts";
import { ensureStreams } from "./streams.ts";

const usage =
  "usage: relay-main.ts --etcd <url> --nats <url> --cluster <name> [--instance <id>] [--lease-ttl <s>] [--tombstone-ttl <s>] [--metrics-addr <host:port>]";

function config() {
  const { values } = parseArgs({
    options: {
      etcd: { type: "string", default: process.env.EVK_ETCD },
      nats: { type: "string", default: process.env.EVK_NATS },
      cluster: { type: "string", default: process.env.EVK_CLUSTER },
      instance: { type: "string", default: process.env.EVK_RELAY_INSTANCE },
      "lease-ttl": { type: "string", default: process.env.EVK_RELAY_LEASE_TTL ?? "5" },
      "tombstone-ttl": { type: "string", default: process.env.EVK_TOMBSTONE_TTL ?? "3600" },
      "metrics-addr": { type: "string", default: process.env.EVK_METRICS_ADDR },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  for (const k of ["etcd", "nats", "cluster"] as const) {
    if (!values[k]) throw new Error(`--${k} (or EVK_${k.toUpperCase()}) is required`);
  }
  assertClusterName(values.cluster as string);
  const leaseTtl = Number(values["lease-ttl"]);
  const tombstoneTtl = Number(values["tombstone-ttl"]);
  if (!Number.isInteger(leaseTtl) || leaseTtl < 2)
    throw new Error("--lease-ttl must be a whole number of seconds >= 2");
  if (!Number.isFinite(tombstoneTtl) || tombstoneTtl < 1) throw new Error("--tombstone-ttl must be >= 1 second");
  const metrics = values["metrics-addr"] ? parseListenAddress("--metrics-addr", values["metrics-addr"]) : undefined;
  return {
    etcd: values.etcd as string,
    nats: values.nats as string,
    cluster: values.cluster as string,
    instance: values.instance,
    leaseTtl,
    tombstoneTtl,
    metrics,
  };
}

let cfg: ReturnType<typeof config>;
try {
  cfg = config();
} catch (err) {
  // One line, so a supervisor's log says what is wrong without the usage text around it.
  process.stderr.write(`relay: ${(err as Error).message} (--help for usage)\n`);
  process.exit(2);
}

const log = createLogger("relay");
log.info({ config: cfg }, "relay starting");
const registry = createRegistry();
let ready = false;
if (cfg.metrics) {
  const server = await serveHealth({ ...cfg.metrics, registry, ready: () => ready });
  log.info({ port: server.port }, "relay metrics listening");
}
const etcd = new EtcdClient({ endpoints: [cfg.etcd] });
// A relay started before nats-server keeps trying instead of exiting; its supervisor sees it not ready.
const nc = await connect({
  servers: cfg.nats,
  maxReconnectAttempts: -1,
  reconnectTimeWait: 250,
  waitOnFirstConnect: true,
});
const jsm = await jetstreamManager(nc);
await ensureStreams(jsm, { tombstoneTtlSeconds: cfg.tombstoneTtl });
ready = true;
// Supervisors (the test harness, evk up) wait for this line: the streams exist from here on.
log.info("relay ready");
const relay = new Relay({
  etcd,
  js: jetstream(nc),
  jsm,
  cluster: cfg.cluster,
  ...(cfg.instance ? { instanceId: cfg.instance } : {}),
  log,
  registry,
  leaseTtlSeconds: cfg.leaseTtl,
  tombstoneTtlSeconds: cfg.tombstoneTtl,
});
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.once(sig, () => {
    log.info({ signal: sig }, "relay stopping");
    void relay.stop();
  });
}
await relay.run();
await nc.drain();
etcd.close();
log.info("relay stopped");
