// The request headers Envoy's HTTP connection manager sets on a request from outside, with
// use_remote_address (what the translator configures; source/common/http/
// conn_manager_utility.cc, mutateRequestHeaders): the peer goes onto x-forwarded-for (a
// loopback peer as the proxy's own address), x-forwarded-proto is the connection's scheme,
// x-envoy-external-address names the peer, Envoy's control headers from the client are dropped,
// and the request gets a fresh x-request-id. No peer counts as internal: Envoy's
// internal_address_config is empty unless configured, and the translator configures none.
import { randomUUID } from "node:crypto";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { headerGet, headerRemove, headerSet, type HeaderPairs } from "./filters.ts";

/** Headers that steer Envoy and are never taken from an external client (cleanInternalHeaders). */
const ENVOY_CONTROL_HEADERS = [
  "x-envoy-internal", "x-envoy-retry-on", "x-envoy-retry-grpc-on", "x-envoy-max-retries",
  "x-envoy-upstream-alt-stat-name", "x-envoy-upstream-rq-timeout-ms", "x-envoy-upstream-rq-per-try-timeout-ms",
  "x-envoy-upstream-rq-timeout-alt-response", "x-envoy-expected-rq-timeout-ms", "x-envoy-force-trace",
  "x-envoy-ip-tags", "x-envoy-original-url", "x-envoy-hedge-on-per-try-timeout",
  "x-envoy-decorator-operation", "x-envoy-downstream-service-cluster", "x-envoy-downstream-service-node",
];

let ownAddress: string | undefined;

/** The address Envoy records for a loopback peer: its local address, the first non-loopback
 *  IPv4 address of the machine (Network::Utility::getLocalAddress), else 127.0.0.1. */
export function localAddress(): string {
  if (ownAddress === undefined) {
    const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
    ownAddress = all.find((a) => a.family === "IPv4" && !a.internal)?.address ?? "127.0.0.1";
  }
  return ownAddress;
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");
}

/** Applies the edge mutations to `headers` in place; returns the new request id. */
export function applyEdgeHeaders(headers: HeaderPairs, peer: string, scheme: "http" | "https"): string {
  for (const name of ENVOY_CONTROL_HEADERS) headerRemove(headers, name);
  const xff = headerGet(headers, "x-forwarded-for");
  const appended = isLoopback(peer) ? localAddress() : peer;
  headerSet(headers, "x-forwarded-for", xff ? `${xff},${appended}` : appended);
  headerSet(headers, "x-forwarded-proto", scheme);
  if (isIP(peer)) headerSet(headers, "x-envoy-external-address", peer);
  const requestId = randomUUID();
  headerSet(headers, "x-request-id", requestId);
  return requestId;
}
