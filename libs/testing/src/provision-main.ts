// `node libs/testing/src/provision-main.ts [etcd nats kwok kube]`: build or fetch the real parts
// before a test run, so no test timeout ever covers a cold build.
import { ensureParts, type PartName, ProvisionError } from "./provision.ts";

try {
  const names = process.argv.slice(2) as PartName[];
  await ensureParts(names.length > 0 ? names : undefined);
} catch (err) {
  process.stderr.write(`evk: ${err instanceof ProvisionError ? err.message : String(err)}\n`);
  process.exit(1);
}
