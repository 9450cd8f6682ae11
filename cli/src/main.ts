#!/usr/bin/env node
import { Command, InvalidArgumentError } from "commander";
import { up } from "./commands/up.ts";

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError("must be a whole number from 1 to 100");
  return n;
}

const program = new Command()
  .name("evk")
  .description("Virtual Kubernetes clusters inside one namespace of a host cluster, built as event-sourced services")
  .showHelpAfterError();

program
  .command("up")
  .description(
    "start etcd, nats-server (JetStream) and a local Kubernetes host control plane with kwok nodes, print how to reach them, stop on Ctrl-C",
  )
  .option("--nodes <n>", "fake nodes kwok manages on the host", positiveInt, 2)
  .option("--kubeconfig <path>", "where to write the host cluster's kubeconfig", ".evk/host.kubeconfig")
  .action(async (o: { nodes: number; kubeconfig: string }) => {
    await up(o);
  });

try {
  await program.parseAsync();
  process.exit(0);
} catch (err) {
  process.stderr.write(`evk: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
