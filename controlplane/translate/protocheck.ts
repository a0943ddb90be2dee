// The proto check shared by the translator's tests: every produced resource
// must encode with the real Envoy protos (protos/json.ts rejects unknown fields and wrong
// types, naming the path), satisfy the protoc-gen-validate rules Envoy enforces
// (protos/validate.ts) and survive the round trip. proto3 does not put default values on
// the wire, so a field may only go missing when it held its type's zero value.
import { parseProtoDuration } from "../../protos/duration.ts";
import { decodeToJson, encodeJson, type Json } from "../../protos/json.ts";
import { validateRules } from "../../protos/validate.ts";
import type { XdsResources } from "./resources.ts";

/** Zero values of the enums we write explicitly for readability (each is value 0 of its
 *  enum: Cluster.DiscoveryType STATIC, LbPolicy ROUND_ROBIN, RoutingPriority DEFAULT,
 *  RedirectResponseCode MOVED_PERMANENTLY, FractionalPercent HUNDRED,
 *  HeaderAppendAction APPEND_IF_EXISTS_OR_ADD, HCM CodecType AUTO). */
const ENUM_ZEROES = new Set(["STATIC", "ROUND_ROBIN", "DEFAULT", "MOVED_PERMANENTLY", "HUNDRED", "APPEND_IF_EXISTS_OR_ADD", "AUTO"]);

function isZero(value: Json): boolean {
  if (value === 0 || value === false || value === "" || value === null) return true;
  if (typeof value === "string") return ENUM_ZEROES.has(value);
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

/** Two strings that are the same duration ("0.25s" comes back as "0.250s"). */
function sameDuration(sent: Json, back: Json): boolean {
  if (typeof sent !== "string" || typeof back !== "string") return false;
  const [a, b] = [parseProtoDuration(sent), parseProtoDuration(back)];
  return a !== undefined && b !== undefined && a.seconds === b.seconds && a.nanos === b.nanos;
}

/** Differences between what we wrote and what came back, as paths ("" when none). */
export function roundTripDifferences(sent: Json, back: Json, path: string): string[] {
  if (typeof sent !== "object" || sent === null || typeof back !== "object" || back === null) {
    return sent === back || sameDuration(sent, back) ? [] : [`${path}: sent ${JSON.stringify(sent)}, got ${JSON.stringify(back)}`];
  }
  if (Array.isArray(sent) !== Array.isArray(back)) return [`${path}: array/object mismatch`];
  if (Array.isArray(sent)) {
    const backList = back as Json[];
    if (sent.length !== backList.length) return [`${path}: ${sent.length} items sent, ${backList.length} back`];
    return sent.flatMap((item, i) => roundTripDifferences(item, backList[i]!, `${path}[${i}]`));
  }
  const backObject = back as { [key: string]: Json };
  const out: string[] = [];
  for (const [key, value] of Object.entries(sent)) {
    if (!(key in backObject)) {
      if (!isZero(value)) out.push(`${path}.${key}: lost in the round trip`);
      continue;
    }
    out.push(...roundTripDifferences(value, backObject[key]!, `${path}.${key}`));
  }
  for (const key of Object.keys(backObject)) if (!(key in sent)) out.push(`${path}.${key}: appeared in the round trip`);
  return out;
}

export interface ProtoCheckResult {
  resources: number;
  bytes: number;
  /** Encoding errors, broken validation rules and round-trip differences, each naming the
   *  resource and field. */
  problems: string[];
}

/** Encodes every resource with its type; never throws. */
export function protoCheck(resources: XdsResources): ProtoCheckResult {
  const result: ProtoCheckResult = { resources: 0, bytes: 0, problems: [] };
  for (const [typeUrl, byName] of Object.entries(resources)) {
    const shortType = typeUrl.slice(typeUrl.lastIndexOf(".") + 1);
    for (const [name, resource] of byName) {
      result.resources++;
      const where = `${shortType}[${name}]`;
      try {
        const bytes = encodeJson(typeUrl, resource, where);
        result.bytes += bytes.length;
        result.problems.push(...validateRules(typeUrl, resource, where));
        result.problems.push(...roundTripDifferences(resource, decodeToJson(typeUrl, bytes), where));
      } catch (error) {
        result.problems.push((error as Error).message);
      }
    }
  }
  return result;
}
