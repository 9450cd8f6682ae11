// syncer-services: virtual Services to the host and what the host allocates back; the Endpoints and
// EndpointSlices of selector Services in the virtual cluster; those of selector-less Services to the host.
// `node services/syncer-services/src/main.ts --help` lists the flags.
import { COMMON_USAGE, runSyncerMain } from "@evk/syncer-runtime";
import { createServiceSyncer } from "./syncer-services.ts";

await runSyncerMain({
  name: "syncer-services",
  flags: { "apiserver-service": { type: "string" } },
  usage: `usage: syncer-services --cluster NAME --host-namespace NS [flags]
${COMMON_USAGE}
  --apiserver-service NAME    host Service of the virtual apiserver, mirrored by the virtual
                              default/kubernetes (default: the cluster name)`,
  settings: (extra, config) => ({
    apiserverService: (extra["apiserver-service"] as string | undefined) ?? config.cluster,
  }),
  create: createServiceSyncer,
});
