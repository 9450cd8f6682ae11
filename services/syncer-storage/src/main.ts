// syncer-storage: virtual persistentvolumeclaims to the host; host status, bound volumes (as fake
// persistentvolumes) and the host's storageclasses back. `node services/syncer-storage/src/main.ts --help`
// lists the flags.
import { COMMON_USAGE, runSyncerMain } from "@evk/syncer-runtime";
import { createStorageSyncer } from "./syncer-storage.ts";

await runSyncerMain({
  name: "syncer-storage",
  flags: {
    "sync-persistent-volumes-to-host": { type: "boolean", default: false },
    "sync-storage-classes-to-host": { type: "boolean", default: false },
  },
  usage: `usage: syncer-storage --cluster NAME --host-namespace NS [flags]
${COMMON_USAGE}
  --sync-persistent-volumes-to-host  the cluster's own PersistentVolumes go to the host as
                              evk-<pv>-x-<host-namespace>-x-<cluster>, and host volumes bound to its claims
                              appear in it (default off: bound claims show fake volumes)
  --sync-storage-classes-to-host     the cluster's own StorageClasses go to the host as
                              evk-<class>-x-<host-namespace>-x-<cluster> and claims use those (default off:
                              the host's classes are shown read-only and claims use them by name)`,
  settings: (extra) => ({
    persistentVolumesToHost: extra["sync-persistent-volumes-to-host"] === true,
    storageClassesToHost: extra["sync-storage-classes-to-host"] === true,
  }),
  create: createStorageSyncer,
});
