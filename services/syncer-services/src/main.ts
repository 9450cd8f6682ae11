// syncer-services: virtual Services to the host and what the host allocates back; the Endpoints and
// EndpointSlices of selector Services in the virtual cluster; those of selector-less Services to the host.
// `node services/syncer-services/src/main.ts --help` lists the flags.
import { createLogger, createRegistry } from "@evk/observability";
import { COMMON_USAGE, parseSyncerConfig } from "@evk/syncer-runtime";
import { createServiceSyncer } from "./syncer-services.ts";

const own = {
  "apiserver-service": { type: "string" },
} as const;
const usage = `usage: syncer-services --cluster NAME --host-namespace NS [flags]
${COMMON_USAGE}
  --apiserver-service NAME    host Service of the virtual apiserver, mirrored by the virtual
                              default/kubernetes (default: the cluster name)`;

let parsed: ReturnType<typeof parseSyncerConfig<typeof own>>;
try {
  parsed = parseSyncerConfig(process.argv.slice(2), process.env, own);
} catch (err) {
  process.stderr.write(`syncer-services: ${(err as Error).message} (--help for usage)\n`);
  process.exit(2);
}
if (!parsed) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const { config, extra } = parsed;
const log = createLogger("syncer-services", { cluster: config.cluster });
const settings = {
  apiserverService: (extra["apiserver-service"] as string | undefined) ?? config.cluster,
};
log.info({ config, settings }, "syncer-services starting");
let syncer: Awaited<ReturnType<typeof createServiceSyncer>>;
try {
  syncer = await createServiceSyncer({ config, settings, log, registry: createRegistry() });
  await syncer.start();
} catch (err) {
  log.error({ err: (err as Error).message }, "syncer-services could not start");
  process.exit(1);
}
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.once(sig, async () => {
    log.info({ signal: sig }, "syncer-services stopping: finishing reconciles in progress");
    await syncer.stop();
    process.exit(0);
  });
}
