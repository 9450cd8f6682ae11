// syncer-storage: virtual persistentvolumeclaims to the host; host status, bound volumes (as fake
// persistentvolumes) and the host's storageclasses back. `node services/syncer-storage/src/main.ts --help`
// lists the flags.
import { createLogger, createRegistry } from "@evk/observability";
import { COMMON_USAGE, parseSyncerConfig } from "@evk/syncer-runtime";
import { createStorageSyncer, type StorageSyncer } from "./syncer-storage.ts";

const own = {
  "sync-persistent-volumes-to-host": { type: "boolean", default: false },
  "sync-storage-classes-to-host": { type: "boolean", default: false },
} as const;
const usage = `usage: syncer-storage --cluster NAME --host-namespace NS [flags]
${COMMON_USAGE}
  --sync-persistent-volumes-to-host  the cluster's own PersistentVolumes go to the host as
                              evk-<pv>-x-<host-namespace>-x-<cluster>, and host volumes bound to its claims
                              appear in it (default off: bound claims show fake volumes)
  --sync-storage-classes-to-host     the cluster's own StorageClasses go to the host as
                              evk-<class>-x-<host-namespace>-x-<cluster> and claims use those (default off:
                              the host's classes are shown read-only and claims use them by name)`;

let parsed: ReturnType<typeof parseSyncerConfig<typeof own>>;
try {
  parsed = parseSyncerConfig(process.argv.slice(2), process.env, own);
} catch (err) {
  process.stderr.write(`syncer-storage: ${(err as Error).message} (--help for usage)\n`);
  process.exit(2);
}
if (!parsed) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const { config, extra } = parsed;
const log = createLogger("syncer-storage", { cluster: config.cluster });
const settings = {
  persistentVolumesToHost: extra["sync-persistent-volumes-to-host"] === true,
  storageClassesToHost: extra["sync-storage-classes-to-host"] === true,
};
log.info({ config, settings }, "syncer-storage starting");
let syncer: StorageSyncer;
try {
  syncer = await createStorageSyncer({ config, settings, log, registry: createRegistry() });
  await syncer.start();
} catch (err) {
  log.error({ err: (err as Error).message }, "syncer-storage could not start");
  process.exit(1);
}
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.once(sig, async () => {
    log.info({ signal: sig }, "syncer-storage stopping: finishing reconciles in progress");
    await syncer.stop();
    process.exit(0);
  });
}
