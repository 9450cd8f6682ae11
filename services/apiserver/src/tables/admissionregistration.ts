// Printers of admissionregistration.k8s.io/v1, as kube-apiserver 1.35 prints them (pkg/printers/internalversion).
import { ageOf, type ColumnDefinition, nameOf, type Printer, view } from "./columns.ts";
import { COMMON } from "./descriptions.ts";

const name: ColumnDefinition = { name: "Name", type: "string", format: "name", description: COMMON.Name, priority: 0 };
const age: ColumnDefinition = { name: "Age", type: "string", format: "", description: COMMON.Age, priority: 0 };
const column = (n: string, type: ColumnDefinition["type"], description: string): ColumnDefinition => ({
  name: n,
  type,
  format: "",
  description,
  priority: 0,
});

const webhookPrinter: Printer = {
  columns: [
    name,
    column("Webhooks", "integer", "Webhooks indicates the number of webhooks registered in this configuration"),
    age,
  ],
  cells: (o, now) => [nameOf(o), view<{ webhooks?: unknown[] }>(o).webhooks?.length ?? 0, ageOf(o, now)],
};

const policyPrinter: Printer = {
  columns: [
    name,
    column(
      "Validations",
      "integer",
      "Validations indicates the number of validation rules defined in this configuration",
    ),
    column("ParamKind", "string", "ParamKind specifies the kind of resources used to parameterize this policy"),
    age,
  ],
  cells(o, now) {
    const spec = view<{ spec?: { validations?: unknown[]; paramKind?: { apiVersion?: string; kind?: string } } }>(
      o,
    ).spec;
    const pk = spec?.paramKind;
    return [
      nameOf(o),
      spec?.validations?.length ?? 0,
      pk ? `${pk.apiVersion ?? ""}/${pk.kind ?? ""}` : "<unset>",
      ageOf(o, now),
    ];
  },
};

interface Requirement {
  key?: string;
  operator?: string;
  values?: string[];
}

/** The Go String() of a *metav1.LabelSelector, which kube prints for a binding's paramRef selector. */
export function goLabelSelectorString(sel: { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] }) {
  const labels = Object.keys(sel.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${sel.matchLabels?.[k]},`)
    .join("");
  const exprs = (sel.matchExpressions ?? [])
    .map(
      (r) =>
        `LabelSelectorRequirement{Key:${r.key ?? ""},Operator:${r.operator ?? ""},Values:[${(r.values ?? []).join(" ")}],},`,
    )
    .join("");
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

const bindingPrinter: Printer = {
  columns: [
    name,
    column("PolicyName", "string", "PolicyName indicates the policy definition which the policy binding binded to"),
    column("ParamRef", "string", "ParamRef indicates the param resource which sets the configuration param"),
    age,
  ],
  cells(o, now) {
    const spec = view<{
      spec?: {
        policyName?: string;
        paramRef?: { name?: string; namespace?: string; selector?: Parameters<typeof goLabelSelectorString>[0] };
      };
    }>(o).spec;
    const pr = spec?.paramRef;
    let param = "<unset>";
    if (pr?.name) param = pr.namespace ? `${pr.namespace}/${pr.name}` : `*/${pr.name}`;
    else if (pr?.selector) param = goLabelSelectorString(pr.selector);
    return [nameOf(o), spec?.policyName ?? "", param, ageOf(o, now)];
  },
};

export const admissionRegistrationPrinters: Record<string, Printer> = {
  "admissionregistration.k8s.io/mutatingwebhookconfigurations": webhookPrinter,
  "admissionregistration.k8s.io/validatingwebhookconfigurations": webhookPrinter,
  "admissionregistration.k8s.io/validatingadmissionpolicies": policyPrinter,
  "admissionregistration.k8s.io/validatingadmissionpolicybindings": bindingPrinter,
};
