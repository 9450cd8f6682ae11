// The options of a list or watch checked as kube-apiserver 1.35 checks them, in its order and words: the
// selectors' syntax (400), ListOptions validation (422), the kind's field labels (400), then what storage
// refuses (continue tokens and resource versions: 400 for a list, a reason-less 500 for a watch or get).
import { errors, type FieldLabelConversion, parseFieldSelector, parseLabelSelector, type StatusCause } from "@evk/kube";
import { decodeContinue } from "@evk/store";
import { ReasonlessError } from "./patch.ts";

const UINT64_MAX = 18446744073709551615n;

/** Go's strconv.ParseUint(s, 10, 64) error for a string that is no resource version (undefined: it is one). */
export function parseUintError(s: string): string | undefined {
  if (!/^[0-9]+$/.test(s)) return `strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`;
  if (BigInt(s) > UINT64_MAX) return `strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`;
  return undefined;
}

/** The storage versioner's error for a resourceVersion parameter that is no number ("" is unset). */
export function resourceVersionProblem(rv: string): string | undefined {
  if (rv === "") return undefined;
  const why = parseUintError(rv);
  return why && `resourceVersion: Invalid value: ${JSON.stringify(rv)}: ${why}`;
}

const forbidden = (field: string, why: string): StatusCause => ({
  reason: "FieldValueForbidden",
  message: `Forbidden: ${why}`,
  field,
});
const notSupported = (value: string, supported: string[]): StatusCause => ({
  reason: "FieldValueNotSupported",
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`,
  field: "resourceVersionMatch",
});

/** apimachinery's ValidateListOptions (the WatchList feature on, as in 1.35). */
export function listOptionsCauses(query: URLSearchParams, watch: boolean): StatusCause[] {
  const match = query.get("resourceVersionMatch") ?? "";
  const rv = query.get("resourceVersion") ?? "";
  const cont = query.get("continue") ?? "";
  const sendInitialEvents = query.has("sendInitialEvents");
  const out: StatusCause[] = [];
  if (watch) {
    if (sendInitialEvents && match !== "NotOlderThan")
      out.push(
        forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"),
      );
    if (match) {
      if (!sendInitialEvents)
        out.push(
          forbidden(
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
          ),
        );
      if (match !== "NotOlderThan") out.push(notSupported(match, ["NotOlderThan"]));
      if (cont)
        out.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
    }
    return out;
  }
  if (match) {
    if (!rv)
      out.push(
        forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"),
      );
    if (cont)
      out.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
    if (match !== "Exact" && match !== "NotOlderThan") out.push(notSupported(match, ["Exact", "NotOlderThan", ""]));
    if (match === "Exact" && rv === "0")
      out.push(forbidden("resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (sendInitialEvents) out.push(forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
  return out;
}

/** Throws what kube-apiserver answers to a list (or watch) with these options, if it refuses them. */
export function checkListOptions(query: URLSearchParams, watch: boolean, fieldLabels: FieldLabelConversion): void {
  parseLabelSelector(query.get("labelSelector"));
  // A field selector's syntax is checked with the other parameters; its labels only after validation.
  let labelError: unknown;
  try {
    parseFieldSelector(query.get("fieldSelector"), fieldLabels);
  } catch (err) {
    if ((err as Error).message.startsWith("invalid selector: ")) throw err;
    labelError = err;
  }
  const causes = listOptionsCauses(query, watch);
  if (causes.length) throw errors.invalid("ListOptions", "", causes, "meta.k8s.io");
  if (labelError) throw labelError;
  const rv = query.get("resourceVersion") ?? "";
  if (watch) {
    const problem = resourceVersionProblem(rv);
    if (problem) throw new ReasonlessError(problem);
    return;
  }
  const cont = query.get("continue") ?? "";
  if (cont) {
    decodeContinue(cont);
    if (rv !== "" && rv !== "0")
      throw errors.badRequest("specifying resource version is not allowed when using continue");
    return;
  }
  const problem = resourceVersionProblem(rv);
  if (problem) throw errors.badRequest(`invalid resource version: ${problem}`);
}
