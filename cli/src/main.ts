#!/usr/bin/env node
import { Command, InvalidArgumentError } from "commander";
import { up } from "./commands/up.ts";

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError("must be a whole number from 1 to 100");
  return n;
}

function dnsLabel(v: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v))
    throw new InvalidArgumentError("must be a DNS label: lowercase letters, digits and '-'");
  return v;
}

const program = new Command()
  .name("evk")
  .description("Virtual Kubernetes clusters inside one namespace of a host cluster, built as event-sourced services")
  .showHelpAfterError();

program
  .command("up")
  .description(
    "run a virtual cluster on this machine: etcd, nats-server (JetStream), the virtual cluster's API server, relay and syncers (pods, services, storage), against the host cluster of the current kubeconfig when it answers, else a local Kubernetes host control plane with kwok nodes; Ctrl-C stops everything",
  )
  .option("--cluster <name>", "name of the virtual cluster (a DNS label)", dnsLabel, "dev")
  .option("--nodes <n>", "fake nodes kwok manages on a local host", positiveInt, 2)
  .option("--dir <path>", "where to write kubeconfig (virtual cluster) and host.kubeconfig", ".evk")
  .option("--local-host", "start a local host control plane even if the current kubeconfig's cluster answers")
  .action(async (o: { cluster: string; nodes: number; dir: string; localHost?: boolean }) => {
    await up(o);
  });

try {
  await program.parseAsync();
  process.exit(0);
} catch (err) {
  process.stderr.write(`evk: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
