import { createLogger, createRegistry, type Logger, type Registry } from "@evk/observability";
import { parseSyncerConfig, type SyncerConfig } from "./config.ts";

type Extra = Record<string, { type: "string" | "boolean"; default?: string | boolean }>;

/**
 * A syncer process from flags to SIGTERM: parses the common and its own flags (one-line error and exit 2
 * on bad input, usage on --help), logs its effective configuration, builds and starts the syncer (exit 1
 * when it cannot), and on SIGTERM / SIGINT finishes the reconciles in progress and exits.
 */
export async function runSyncerMain<E extends Extra, S>(o: {
  name: string;
  usage: string;
  flags: E;
  /** Turns the syncer's own flags into its settings; throws an Error with a one-line message on bad values. */
  settings: (extra: Record<keyof E, string | boolean | undefined>, config: SyncerConfig) => S;
  create: (x: { config: SyncerConfig; settings: S; log: Logger; registry: Registry }) => Promise<{
    start(): Promise<void>;
    stop(): Promise<void>;
  }>;
}): Promise<void> {
  let config: SyncerConfig;
  let settings: S;
  try {
    const parsed = parseSyncerConfig(process.argv.slice(2), process.env, o.flags);
    if (!parsed) {
      process.stdout.write(`${o.usage}\n`);
      process.exit(0);
    }
    config = parsed.config;
    settings = o.settings(parsed.extra, parsed.config);
  } catch (err) {
    process.stderr.write(`${o.name}: ${(err as Error).message} (--help for usage)\n`);
    process.exit(2);
  }
  const log = createLogger(o.name, { cluster: config.cluster });
  log.info({ config, settings }, `${o.name} starting`);
  let syncer: { start(): Promise<void>; stop(): Promise<void> };
  try {
    syncer = await o.create({ config, settings, log, registry: createRegistry() });
    await syncer.start();
  } catch (err) {
    log.error({ err: (err as Error).message }, `${o.name} could not start`);
    process.exit(1);
  }
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.once(sig, async () => {
      log.info({ signal: sig }, `${o.name} stopping: finishing reconciles in progress`);
      await syncer.stop();
      process.exit(0);
    });
  }
}
