// The APIService printer of kube-apiserver 1.35 (kube-aggregator registry/apiservice/etcd ConvertToTable):
// "Local" or the namespace/name of the backing service, and "True" or the Available condition's status with
// its reason.
import { ageOf, type ColumnDefinition, nameOf, type Printer, view } from "./columns.ts";
import { COMMON } from "./descriptions.ts";

const column = (name: string, description: string, format = ""): ColumnDefinition => ({
  name,
  type: "string",
  format,
  description,
  priority: 0,
});

interface APIService {
  spec?: { service?: { namespace?: string; name?: string } | null };
  status?: { conditions?: { type?: string; status?: string; reason?: string }[] | null };
}

/** The Available column: "True", "False (Reason)", or "Unknown" without a condition. */
export function availability(o: APIService): string {
  const c = (o.status?.conditions ?? []).find((x) => x.type === "Available");
  if (!c) return "Unknown";
  if (c.status === "True" || !c.reason) return c.status ?? "";
  return `${c.status ?? ""} (${c.reason})`;
}

const apiServicePrinter: Printer = {
  columns: [
    column("Name", COMMON.Name, "name"),
    column("Service", "The reference to the service that hosts this API endpoint."),
    column("Available", "Whether this service is available."),
    column("Age", COMMON.Age),
  ],
  cells(o, now) {
    const s = view<APIService>(o);
    const svc = s.spec?.service;
    return [nameOf(o), svc ? `${svc.namespace ?? ""}/${svc.name ?? ""}` : "Local", availability(s), ageOf(o, now)];
  },
};

export const apiRegistrationPrinters: Record<string, Printer> = {
  "apiregistration.k8s.io/apiservices": apiServicePrinter,
};
