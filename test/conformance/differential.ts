// Runs one request script through both sides (host-side.ts, envoy-side.ts) and returns what a
// client and the upstream saw on each, normalized only by what the proxy itself adds and no
// module can influence (ENVOY_ONLY below, each with its reason); module logs and metrics are
// compared as they are.
import { send, type ClientRequest, type ClientResponse } from "./client.ts";
import { EchoUpstream, type UpstreamRequest } from "./echo-upstream.ts";
import { EnvoySide, wasmBootstrap, type WasmLogLine } from "./envoy-side.ts";
import { HostSide } from "./host-side.ts";
import type { HttpConnectionManagerJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import type { PluginUnderTest } from "./plugin.ts";

/** Headers Envoy's codec, HCM or router add that the host side does not imitate. */
const ENVOY_ONLY_RESPONSE = new Set([
  "date", // the codec stamps it
  "server", // "envoy", the HCM's server_name
  "x-envoy-upstream-service-time", // the router's timing
  "connection", "keep-alive", "transfer-encoding", // hop by hop
]);
const ENVOY_ONLY_UPSTREAM = new Set([
  "x-envoy-expected-rq-timeout-ms", // the router's timeout hint
  "x-envoy-internal", // Envoy's async client marks a callout as internal
  "connection", "keep-alive", "transfer-encoding",
]);
/** Present on both sides with values that differ by nature. */
const RANDOM_VALUES = new Set(["x-request-id"]);

export interface Exchange {
  name: string;
  request: ClientRequest;
}

export interface Observed {
  name: string;
  response: ClientResponse;
  upstream: UpstreamRequest[];
}

export interface SideResult {
  exchanges: Observed[];
  logs: WasmLogLine[];
  metrics: Record<string, number | undefined>;
}

function normalize(headers: Array<[string, string]>, drop: Set<string>): Array<[string, string]> {
  return headers.filter(([k]) => !drop.has(k)).map(([k, v]) => [k, RANDOM_VALUES.has(k) ? "<random>" : v]);
}

async function drive(port: number, upstream: EchoUpstream, exchanges: Exchange[]): Promise<Observed[]> {
  const out: Observed[] = [];
  for (const exchange of exchanges) {
    const response = await send(port, exchange.request);
    const seen = upstream.take().map((u) => ({ ...u, headers: normalize(u.headers, ENVOY_ONLY_UPSTREAM) }));
    out.push({ name: exchange.name, response: { ...response, headers: normalize(response.headers, ENVOY_ONLY_RESPONSE) }, upstream: seen });
  }
  return out;
}

export interface DifferentialOptions {
  metrics?: string[];
  /** Extra HCM fields for the Envoy side (the host side has no HCM options). */
  httpConnectionManager?: HttpConnectionManagerJson;
}

export async function runBoth(plugin: PluginUnderTest, exchanges: Exchange[], options: DifferentialOptions = {}): Promise<{ host: SideResult; envoy: SideResult }> {
  const upstream = await EchoUpstream.start();
  try {
    const hostSide = new HostSide(plugin, upstream.port);
    let host: SideResult;
    try {
      const port = await hostSide.start();
      const startLogs = hostSide.wasmLogs().length;
      const observed = await drive(port, upstream, exchanges);
      const metrics: Record<string, number | undefined> = {};
      for (const name of options.metrics ?? []) metrics[name] = hostSide.metric(name);
      host = { exchanges: observed, logs: hostSide.wasmLogs().slice(startLogs), metrics };
    } finally {
      await hostSide.stop();
    }
    const envoySide = await EnvoySide.start(wasmBootstrap(plugin, upstream.port, options));
    let envoy: SideResult;
    try {
      const startLogs = envoySide.wasmLogs().length;
      const observed = await drive(envoySide.port, upstream, exchanges);
      const metrics: Record<string, number | undefined> = {};
      for (const name of options.metrics ?? []) metrics[name] = await envoySide.metric(name);
      await envoySide.logsSettled(startLogs + host.logs.length);
      // Start-up logs differ in number (Envoy starts a configuration canary VM and one per
      // worker); what a request makes the module log is compared.
      envoy = { exchanges: observed, logs: envoySide.wasmLogs().slice(startLogs), metrics };
    } finally {
      await envoySide.stop();
    }
    return { host, envoy };
  } finally {
    await upstream.close();
  }
}
