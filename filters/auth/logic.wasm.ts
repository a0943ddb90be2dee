// Test-only module: the auth filter's pure decision functions exported for vitest
// (filters/auth/logic.test.ts) through asc's ESM bindings. Requests are passed as
// "name: value" lines and results come back as JSON text, so tests read like HTTP.
import { ConfigErrors } from "@attache/proxy-wasm-sdk/json_view";
import { HeaderPair } from "@attache/proxy-wasm-sdk/headers";
import { AuthConfig, parseAuthConfig } from "./config";
import { authenticate, RequestView, spoofableHeaders } from "./decision";
import { Decision } from "./outcome";
import { errorBody, jsonEscape, rejectionHeaders, statusFor } from "./response";
import { parseAuthorization, parseBasicCredentials, percentDecode as decodePercent, queryParameter as query } from "./credentials";
import { authorizationHeadersToCopy, checkRequestHeaders, relayedHeaders } from "./external";
import { asciiLower as lower } from "./ascii";

class LinesRequest extends RequestView {
  pairs: HeaderPair[] = [];
  constructor(lines: string, public now: f64 = 0) {
    super();
    this.pairs = parseLines(lines);
  }
  nowSeconds(): f64 { return this.now; }
  header(name: string): string | null {
    for (let i = 0; i < this.pairs.length; i++) if (this.pairs[i].key == name) return this.pairs[i].value;
    return null;
  }
}

function parseLines(lines: string): HeaderPair[] {
  const pairs = new Array<HeaderPair>();
  const rows = lines.split("\n");
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const colon = row.indexOf(": ");
    // Pseudo-headers start with ':' so look for the separator after the first character.
    const separator = row.startsWith(":") ? row.indexOf(": ", 1) : colon;
    if (separator > 0) pairs.push(new HeaderPair(row.substring(0, separator), row.substring(separator + 2)));
  }
  return pairs;
}

function pairsJson(pairs: HeaderPair[]): string {
  const parts = new Array<string>();
  for (let i = 0; i < pairs.length; i++) parts.push("[\"" + jsonEscape(pairs[i].key) + "\",\"" + jsonEscape(pairs[i].value) + "\"]");
  return "[" + parts.join(",") + "]";
}

let config: AuthConfig = new AuthConfig();

/** Parses a plugin configuration; returns "" when accepted, else the log text of its errors. */
export function configure(json: string): string {
  const errors = new ConfigErrors();
  const parsed = parseAuthConfig(String.UTF8.encode(json), errors);
  if (parsed === null) return errors.toString();
  config = parsed;
  return "";
}

/**
 * The decision for a request on `route` at `nowSeconds`, as JSON: outcome, status, reason,
 * method, principal, upstream headers, and for refusals the response headers and body.
 */
export function decide(route: string, requestLines: string, nowSeconds: f64): string {
  const policy = config.policyFor(route.length > 0 ? route : null);
  const decision: Decision = authenticate(policy, new LinesRequest(requestLines, nowSeconds));
  const upstream = decision.upstreamHeaders;
  const outcomes = ["allowed", "missing", "unauthorized", "forbidden"];
  let json = "{\"outcome\":\"" + outcomes[<i32>decision.outcome] + "\",\"method\":\"" + decision.method +
    "\",\"reason\":\"" + jsonEscape(decision.reason) + "\",\"principal\":\"" + jsonEscape(decision.principal) +
    "\",\"upstreamHeaders\":" + pairsJson(upstream !== null ? upstream : []) +
    ",\"removedHeaders\":" + pairsJson(spoofableHeaders(policy).map<HeaderPair>((name: string) => new HeaderPair(name, "")));
  if (!decision.allowed) {
    const status = statusFor(decision);
    json += ",\"status\":" + status.toString() + ",\"responseHeaders\":" + pairsJson(rejectionHeaders(policy, decision)) +
      ",\"body\":\"" + jsonEscape(errorBody(status, decision.reason)) + "\"";
  }
  return json + ",\"external\":" + (policy.external !== null ? "true" : "false") + "}";
}

/** The check request the route's external authorization would send for this request. */
export function externalCheckRequest(route: string, requestLines: string): string {
  const policy = config.policyFor(route.length > 0 ? route : null);
  return pairsJson(checkRequestHeaders(policy.external!, new LinesRequest(requestLines)));
}

/** What an auth-service answer does: headers copied upstream on 2xx, headers relayed on denial. */
export function externalAnswer(route: string, answerLines: string): string {
  const policy = config.policyFor(route.length > 0 ? route : null);
  const answer = parseLines(answerLines);
  return "{\"copied\":" + pairsJson(authorizationHeadersToCopy(policy.external!, answer)) + ",\"relayed\":" + pairsJson(relayedHeaders(answer)) + "}";
}

export function authorizationScheme(value: string): string {
  const parsed = parseAuthorization(value);
  return parsed === null ? "" : parsed.scheme + "|" + parsed.credentials;
}

export function basicCredentials(encoded: string): string {
  const parsed = parseBasicCredentials(encoded);
  return parsed === null ? "" : parsed.username + "|" + parsed.password;
}

export function queryParameter(target: string, name: string): string | null { return query(target, name); }
export function percentDecode(text: string): string | null { return decodePercent(text); }
export function asciiLower(text: string): string { return lower(text); }
