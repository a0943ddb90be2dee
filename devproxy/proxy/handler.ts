// Serves one downstream request with Envoy's semantics for what the translator emits:
// virtual host + route selection, CORS, the HTTP filter chain (Wasm through host/),
// redirects and direct responses, weighted clusters (header_name), rewrites, header edits,
// retries with per-try timeouts, mirroring, and "no healthy upstream" when a cluster has no
// endpoints. Works for HTTP/1.1 and HTTP/2 through Node's compatibility API.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { PassThrough, Readable } from "node:stream";
import type { HcmConfig } from "../config/listeners.ts";
import type { CompiledRoute, ForwardAction, HeaderAdd, RedirectAction } from "../config/routes.ts";
import type { Snapshot } from "../config/snapshot.ts";
import { scopeKeyOf } from "../config/scopes.ts";
import { clientAddress, downstreamConnection } from "./client-address.ts";
import { applyCors, corsAllows, corsPreflight } from "./cors.ts";
import { applyEdgeHeaders } from "./edge-headers.ts";
import { routedTarget } from "./request-target.ts";
import { CONTINUE, headerGet, headerRemove, headerSet, type FilterFactory, type FilterResult, type HeaderPairs, type HttpFilterInstance, type LocalReply, type RequestInfo } from "./filters.ts";
import { deferToBatch, inBatch } from "./batch.ts";
import { fallbackFilter } from "./fallback-filter.ts";
import { overrideReply, type OverrideContext } from "./error-overrides.ts";
import { extAuthzFactory } from "./ext-authz.ts";
import { UpstreamError, type UpstreamPool, type UpstreamResponse } from "./upstream.ts";
import { joinTunnel, sendUpgrade, type DownstreamUpgrade } from "./websocket.ts";

export type DownstreamRequest = IncomingMessage | Http2ServerRequest;
export type DownstreamResponse = ServerResponse | Http2ServerResponse;

export interface AccessLogEntry {
  time: string; method: string; path: string; authority: string; protocol: string;
  status: number; duration_ms: number; route?: string; cluster?: string; upstream?: string;
  response_flags: string; request_id: string; bytes_sent?: number;
}

export interface HandlerEnv {
  snapshot(): Snapshot;
  upstreams: UpstreamPool;
  filters(name: string, snapshot: Snapshot): FilterFactory | undefined;
  accessLog(entry: AccessLogEntry): void;
  observe(entry: AccessLogEntry): void;
}

const RETRY_BACKOFF_BASE_MS = 25; // Envoy's default retry back-off base interval

export async function handleRequest(env: HandlerEnv, hcm: HcmConfig, req: DownstreamRequest, res: DownstreamResponse, scheme: "http" | "https", upgrade?: DownstreamUpgrade): Promise<void> {
  const started = process.hrtime.bigint();
  const snapshot = env.snapshot();
  const target = routedTarget(req.url ?? "/", requestAuthority(req), req.method ?? "GET", String(req.headers["content-type"] ?? ""), scheme === "https", hcm);
  const routed = "reply" in target ? undefined : target;
  const rawUrl = routed?.pathAndQuery ?? req.url ?? "/";
  const path = routed?.path ?? rawUrl;
  const query = new URLSearchParams(routed?.query ?? "");
  const authority = routed?.authority ?? requestAuthority(req);
  const host = authority;
  const log: AccessLogEntry = {
    time: new Date().toISOString(), method: req.method ?? "GET", path: rawUrl, authority, protocol: `HTTP/${req.httpVersion}`,
    status: 0, duration_ms: 0, response_flags: "-", request_id: "",
  };
  const finish = (status: number) => {
    log.status = status;
    log.duration_ms = Number(process.hrtime.bigint() - started) / 1e6;
    env.accessLog(log);
    env.observe(log);
  };
  const instances: HttpFilterInstance[] = [];
  if (req.httpVersion === "1.0" && !hcm.acceptHttp10) return finish(reply(res, { status: 426, headers: [["content-type", "text/plain"]], body: "Upgrade Required" }));
  if ("reply" in target) return finish(reply(res, target.reply));
  try {
    const refused = checkRequestHead(req, hcm.limits);
    if (refused) {
      log.response_flags = "DPE";
      return finish(reply(res, refused));
    }
    const tableName = hcm.scoped ? snapshot.scopes.get(scopeKeyOf(hcm.scoped, authority, req.headers) ?? "") : hcm.routeConfigName;
    const table = tableName ? snapshot.routeTables.get(tableName) : undefined;
    const selected = table?.select(host, { method: log.method, path, query, headers: req.headers, authority });
    if (!selected) {
      log.response_flags = "NR";
      return finish(reply(res, { status: 404, headers: [], body: "" }));
    }
    const { route } = selected;
    log.route = route.name;
    // A route with one cluster knows it now (Envoy sets it on the stream at route selection).
    if (route.action.kind === "route" && route.action.clusters.length === 1) log.cluster = route.action.clusters[0].name;
    // An upgrade the route does not allow is refused before any filter runs (Envoy's HCM
    // answers 403 when it cannot build the upgrade filter chain).
    if (upgrade && (route.action.kind !== "route" || !route.action.upgrades.has(upgrade.type))) {
      log.response_flags = "UPE";
      return finish(reply(res, { status: 403, headers: [["content-type", "text/plain"]], body: "upgrade not allowed on this route" }));
    }

    const origin = typeof req.headers.origin === "string" ? req.headers.origin : undefined;
    // A preflight from an origin the policy does not allow is no preflight to Envoy's CORS filter.
    if (route.cors && log.method === "OPTIONS" && origin && req.headers["access-control-request-method"] && corsAllows(route.cors, origin)) {
      return finish(reply(res, corsPreflight(route.cors, origin)));
    }

    // The stream's header map as Envoy's filters get it: the pseudo-headers first (HTTP/1's Host
    // becomes :authority), with the canonical path, then the client's headers.
    const headers: HeaderPairs = [[":authority", authority], [":path", rawUrl], [":method", log.method], [":scheme", scheme]];
    const dropUnderscores = hcm.limits.headersWithUnderscoresAction === "DROP_HEADER";
    for (const [k, v] of Object.entries(req.headers)) {
      if (k.startsWith(":") || k === "host" || v === undefined || (dropUnderscores && k.includes("_"))) continue;
      for (const one of Array.isArray(v) ? v : [v]) headers.push([k, one]);
    }
    const client = clientAddress(req.socket as import("node:net").Socket);
    const remote = client.address;
    const requestId = applyEdgeHeaders(headers, remote, scheme);
    log.request_id = requestId;

    const withBody = hasBody(req);
    // HTTP filters, request path (in HCM order).
    const info: RequestInfo = {
      routeName: route.name, routeMetadata: route.metadataProperties, sourceAddress: `${remote}:${client.port}`, sourcePort: client.port,
      requestId, method: log.method, path: rawUrl, host: authority, protocol: log.protocol,
      connection: downstreamConnection(req.socket as import("node:net").Socket), virtualHostName: selected.vhost.name, stream: log,
      attributes: undefined, // set by the first Wasm filter; declared here so the object keeps one shape
    };
    const factories: FilterFactory[] = [];
    for (const f of hcm.filters) {
      const override = route.filterOverrides.get(f.name);
      const active = override ?? !f.disabled;
      if (!active) continue;
      const factory = env.filters(f.name, snapshot) ?? extAuthzFactory(f.name, f.typedConfig, snapshot) ?? (f.fallback && fallbackFilter(f.name, f.fallback));
      if (factory) factories.push(factory);
      else if (f.discovered) {
        // An ECDS filter whose config is missing or did not load: Envoy's HCM answers 500
        // (response flag NFCF) rather than run the chain without it.
        log.response_flags = "NFCF";
        return finish(reply(res, { status: 500, headers: [["content-type", "text/plain"]], body: `filter config not found: ${f.name}` }));
      }
    }
    // The header phase waits for this loop turn's batch (batch.ts), filters or not; a filter's
    // callout makes the phase a promise, which the await follows.
    const stopped = await inBatch(() => requestPhase(factories, info, instances, headers, !withBody));
    if (stopped !== null) {
      log.response_flags = "UAEX";
      // Envoy sends a local reply through every encoder filter, the one that sent it included.
      return finish(await replyThroughFilters(res, stopped.reply, instances, route, origin, req, log));
    }

    const action = route.action;
    if (action.kind === "direct") return finish(reply(res, { status: action.status, headers: [], body: action.body }));
    if (action.kind === "redirect") return finish(reply(res, redirect(action, scheme, authority, rawUrl, path)));
    // The router sends what the filters left in :path and :authority.
    const sentUrl = headerGet(headers, ":path") ?? rawUrl;
    const sentAuthority = headerGet(headers, ":authority") ?? authority;
    return finish(await forward(env, snapshot, route, action, req, res, headers, sentUrl.split("?")[0]!, sentUrl, sentAuthority, log, instances, origin, upgrade));
  } catch (err) {
    log.response_flags = "DPE";
    return finish(reply(res, { status: 500, headers: [["content-type", "text/plain"]], body: `internal error: ${(err as Error).message}` }));
  } finally {
    // Completions run in the batch, as Envoy defers its filters' deletion (batch.ts).
    if (instances.length) deferToBatch(() => { for (const i of instances) i.onDone(); });
  }
}

type Reply = Extract<FilterResult, { kind: "reply" }>;

/** The request's authority. Several HTTP/1 Host headers are joined with "," as Envoy's
 *  header map joins repeated headers, so neither value alone selects a virtual host. */
function requestAuthority(req: DownstreamRequest): string {
  if (req.httpVersionMajor >= 2) return String(req.headers[":authority"] ?? req.headers.host ?? "");
  const raw = req.rawHeaders;
  let joined: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 4 && raw[i].toLowerCase() === "host") joined = joined === undefined ? raw[i + 1] : `${joined},${raw[i + 1]}`;
  }
  return joined ?? "";
}

/** Envoy's codec checks on the request head (core/v3/protocol.proto HttpProtocolOptions):
 *  max_headers_count (431) and headers_with_underscores_action REJECT_REQUEST (400). The
 *  byte limit, max_request_headers_kb, is the HTTP parser's (listeners.ts). */
function checkRequestHead(req: DownstreamRequest, limits: HcmConfig["limits"]): LocalReply | undefined {
  const raw = req.rawHeaders;
  let count = 0;
  let underscore = false;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].startsWith(":")) continue;
    count++;
    if (raw[i].includes("_")) underscore = true;
  }
  if (count > limits.maxHeadersCount) return { status: 431, headers: [["content-type", "text/plain"], ["connection", "close"]], body: "Request Header Fields Too Large" };
  if (underscore && limits.headersWithUnderscoresAction === "REJECT_REQUEST") return { status: 400, headers: [["content-type", "text/plain"], ["connection", "close"]], body: "Bad Request" };
  return undefined;
}

/**
 * The request-header phase of the chain, synchronous up to the first filter that answers with
 * a promise (a callout): null when every filter continued, the reply that stopped it, or a
 * promise of either for the rest of the chain.
 */
function requestPhase(factories: FilterFactory[], info: RequestInfo, instances: HttpFilterInstance[], headers: HeaderPairs, endOfStream: boolean, from = 0): Reply | null | Promise<Reply | null> {
  for (let i = from; i < factories.length; i++) {
    const instance = factories[i].createInstance(info);
    instances.push(instance);
    const pending = instance.onRequestHeaders(headers, endOfStream);
    if (pending instanceof Promise) {
      return pending.then((result) => (result.kind === "reply" ? result : requestPhase(factories, info, instances, headers, endOfStream, i + 1)));
    }
    if (pending.kind === "reply") return pending;
  }
  return null;
}

/** The response-header phase, last filter first (HCM order reversed), as requestPhase. */
function responsePhase(instances: HttpFilterInstance[], headers: HeaderPairs, from: number): Reply | null | Promise<Reply | null> {
  for (let i = from; i >= 0; i--) {
    const pending = instances[i].onResponseHeaders(headers, false);
    if (pending instanceof Promise) return pending.then((result) => (result.kind === "reply" ? result : responsePhase(instances, headers, i - 1)));
    if (pending.kind === "reply") return pending;
  }
  return null;
}

/**
 * Whether the request carries a body (RFC 9112 §6.3: Content-Length or Transfer-Encoding on
 * HTTP/1.1; no END_STREAM on the HEADERS frame in HTTP/2). A request without one is sent
 * upstream with a single write instead of being piped (which would add a chunked body).
 */
function hasBody(req: DownstreamRequest): boolean {
  if (req.httpVersionMajor >= 2) return !(req as Http2ServerRequest).stream?.endAfterHeaders && !req.readableEnded;
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

const UINT64_MAX = "18446744073709551615";

/**
 * `raw` modulo `total` when `raw` is an unsigned 64-bit integer in decimal, else -1. Digit by
 * digit, so no BigInt on the per-request path: point * 10 + 9 stays exact below 2^53 for any
 * total weight up to 2^49; beyond that (no real config) BigInt does it.
 */
function headerPoint(raw: string, total: number): number {
  const n = raw.length;
  if (n === 0 || n > UINT64_MAX.length) return -1;
  let point = 0;
  for (let i = 0; i < n; i++) {
    const digit = raw.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    point = (point * 10 + digit) % total;
  }
  // Same-length digit strings compare like the numbers they spell.
  if (n === UINT64_MAX.length && raw > UINT64_MAX) return -1;
  return total <= 2 ** 49 ? point : Number(BigInt(raw) % BigInt(total));
}

function pickCluster(action: ForwardAction, headers: HeaderPairs): string {
  if (action.clusters.length === 1) return action.clusters[0].name;
  // WeightedCluster.header_name: an unsigned 64-bit integer; value % total weight selects
  // against cumulative weights in list order. Missing or invalid: random (as Envoy).
  const raw = action.headerName ? headerGet(headers, action.headerName) : undefined;
  let point = raw === undefined ? -1 : headerPoint(raw, action.totalWeight);
  if (point < 0) point = Math.floor(Math.random() * action.totalWeight);
  for (const c of action.clusters) {
    if (point < c.weight) return c.name;
    point -= c.weight;
  }
  return action.clusters[action.clusters.length - 1].name;
}

/** The upstream path and query after the route's prefix or regex rewrite. */
function rewritePath(action: ForwardAction | RedirectAction, path: string, rawUrl: string): string {
  const queryPart = rawUrl.slice(path.length);
  if (action.regexRewrite) return action.regexRewrite.pattern.matcher(path).replaceAll(action.regexRewrite.substitution) + queryPart;
  if (action.prefixRewrite !== undefined && action.matchedPrefix !== undefined) {
    return action.prefixRewrite + path.slice(action.matchedPrefix.length) + queryPart;
  }
  return rawUrl;
}

function redirect(action: RedirectAction, scheme: string, authority: string, rawUrl: string, path: string): LocalReply {
  const targetScheme = action.scheme ?? scheme;
  let host = action.host ?? authority;
  if (action.scheme === "https" && !action.host) host = authority.replace(/:\d+$/, "");
  const target = action.path ?? rewritePath(action, path, rawUrl);
  return { status: action.status, headers: [["location", `${targetScheme}://${host}${target}`]], body: "" };
}

function applyEdits(headers: HeaderPairs, adds: HeaderAdd[], removes: string[]): void {
  for (const name of removes) headerRemove(headers, name);
  for (const a of adds) {
    const present = headerGet(headers, a.name) !== undefined;
    if (a.action === "append") headers.push([a.name, a.value]);
    else if (a.action === "addIfAbsent") { if (!present) headers.push([a.name, a.value]); }
    else if (a.action === "overwrite") headerSet(headers, a.name, a.value);
    else if (present) headerSet(headers, a.name, a.value);
  }
}

function shouldRetry(action: ForwardAction, outcome: UpstreamResponse | UpstreamError): boolean {
  const on = action.retry?.retryOn;
  if (!on) return false;
  if (outcome instanceof UpstreamError) {
    if (outcome.kind === "connect-failure") return on.has("connect-failure") || on.has("5xx") || on.has("gateway-error") || on.has("reset");
    if (outcome.kind === "reset") return on.has("reset") || on.has("5xx") || on.has("gateway-error");
    return on.has("5xx") || on.has("gateway-error"); // per-try timeout counts as 5xx
  }
  const s = outcome.status;
  if (on.has("5xx") && s >= 500) return true;
  if (on.has("gateway-error") && (s === 502 || s === 503 || s === 504)) return true;
  if (on.has("retriable-4xx") && s === 409) return true;
  if (on.has("retriable-status-codes") && action.retry!.statuses.has(s)) return true;
  return false;
}

/** Envoy's default per-connection buffer limit (listener.proto per_connection_buffer_limit_bytes,
 *  1 MiB), which bounds what the router buffers for retries and shadows. */
export const REQUEST_BUFFER_LIMIT_BYTES = 1 << 20;

/** The whole body when it fits the limit (so it can be sent again); else a stream of what was
 *  read followed by the rest, which is sent once. */
async function bufferBody(req: DownstreamRequest, limit: number): Promise<Buffer | Readable | undefined> {
  if (!hasBody(req)) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  const source = req as unknown as Readable;
  for await (const chunk of source.iterator({ destroyOnReturn: false })) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > limit) {
      const rest = new PassThrough();
      for (const c of chunks) rest.write(c);
      source.pipe(rest);
      return rest;
    }
  }
  return size ? Buffer.concat(chunks) : undefined;
}

async function forward(env: HandlerEnv, snapshot: Snapshot, route: CompiledRoute, action: ForwardAction, req: DownstreamRequest, res: DownstreamResponse,
  headers: HeaderPairs, path: string, rawUrl: string, authority: string, log: AccessLogEntry, instances: HttpFilterInstance[], origin: string | undefined,
  upgrade?: DownstreamUpgrade): Promise<number> {
  const clusterName = pickCluster(action, headers);
  log.cluster = clusterName;
  const cluster = snapshot.clusters.get(clusterName);
  if (!cluster || cluster.endpoints.length === 0) {
    log.response_flags = "UH";
    return reply(res, withOverride(route, { status: 503, headers: [["content-type", "text/plain"]], body: "no healthy upstream" }, req, log));
  }
  if (cluster.maxRequests !== undefined && env.upstreams.inflight(cluster) >= cluster.maxRequests) {
    log.response_flags = "UO";
    return reply(res, { status: 503, headers: [["content-type", "text/plain"], ["x-envoy-overloaded", "true"]], body: "upstream connect error or disconnect/reset before headers. reset reason: overflow" });
  }
  applyEdits(headers, route.headers.requestAdd, route.headers.requestRemove);
  const upstreamPath = rewritePath(action, path, rawUrl);
  const upstreamAuthority = action.hostRewrite ?? authority;
  const outHeaders: Record<string, string | string[]> = {};
  for (const [k, v] of headers) {
    if (k.startsWith(":")) continue; // the upstream request carries them itself (upstream.ts)
    const prev = outHeaders[k];
    outHeaders[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  // The router tells the upstream how long it will wait: the per-try timeout, else the route's.
  const expectedMs = action.retry?.perTryTimeoutMs || action.timeoutMs;
  if (expectedMs > 0) outHeaders["x-envoy-expected-rq-timeout-ms"] = String(expectedMs);
  // A route with a path rewrite keeps the original path for the upstream (finalizeRequestHeaders).
  if (action.prefixRewrite !== undefined || action.regexRewrite) outHeaders["x-envoy-original-path"] = rawUrl;
  if (upgrade) return forwardUpgrade(env, cluster, action, req, res, outHeaders, upstreamPath, upstreamAuthority, log, instances, route, origin, upgrade);
  // A client that goes away cancels the upstream request (Envoy resets the upstream stream).
  const cancel = new AbortController();
  res.once("close", () => { if (!res.writableFinished) cancel.abort(); });
  // Buffer the body when it may be sent more than once (retries, mirrors), as Envoy does, up to
  // the buffer limit; a longer body is streamed and sent once (Envoy stops retrying then too).
  const needsBuffer = (action.retry?.numRetries ?? 0) > 0 || action.mirrors.length > 0;
  const body = needsBuffer ? await bufferBody(req, REQUEST_BUFFER_LIMIT_BYTES) : (hasBody(req) ? (req as unknown as Readable) : undefined);

  for (const m of action.mirrors) mirror(env, snapshot, m.cluster, m.fraction, req.method ?? "GET", upstreamPath, outHeaders, body, upstreamAuthority);

  const deadline = action.timeoutMs > 0 ? Date.now() + action.timeoutMs : Infinity;
  const maxTries = 1 + Math.min(action.retry?.numRetries ?? 0, cluster.maxRetries ?? Infinity);
  let outcome: UpstreamResponse | UpstreamError | undefined;
  const upstreamStarted = performance.now();
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const ep = env.upstreams.pick(cluster);
    if (!ep) break;
    log.upstream = `${ep.host}:${ep.port}`;
    const sentAuthority = action.autoHostRewrite && action.hostRewrite === undefined && (cluster.discovery === "STRICT_DNS" || cluster.discovery === "LOGICAL_DNS") ? ep.host : upstreamAuthority;
    const remaining = deadline - Date.now();
    if (remaining <= 0) { outcome = new UpstreamError("timeout", "upstream request timeout"); break; }
    const tryTimeout = Math.min(action.retry?.perTryTimeoutMs ?? Infinity, remaining);
    try {
      outcome = await env.upstreams.send(cluster, ep, { method: req.method ?? "GET", path: upstreamPath, headers: outHeaders, body, timeoutMs: Number.isFinite(tryTimeout) ? tryTimeout : 0, signal: cancel.signal }, sentAuthority);
    } catch (err) {
      outcome = err instanceof UpstreamError ? err : new UpstreamError("reset", String(err));
    }
    if (attempt + 1 < maxTries && (body === undefined || Buffer.isBuffer(body)) && shouldRetry(action, outcome)) {
      if (!(outcome instanceof UpstreamError)) outcome.body.resume();
      await new Promise((r) => setTimeout(r, Math.random() * RETRY_BACKOFF_BASE_MS * 2 ** attempt));
      continue;
    }
    break;
  }
  outcome ??= new UpstreamError("connect-failure", "no endpoint");
  if (outcome instanceof UpstreamError) {
    log.response_flags = outcome.kind === "timeout" ? "UT" : outcome.kind === "connect-failure" ? "UF" : "UR";
    const status = outcome.kind === "timeout" ? 504 : 503;
    const text = outcome.kind === "timeout" ? "upstream request timeout" : `upstream connect error or disconnect/reset before headers. reset reason: ${outcome.kind}`;
    return replyThroughFilters(res, { status, headers: [["content-type", "text/plain"]], body: text }, instances, route, origin, req, log);
  }

  return relayResponse(res, outcome, instances, route, origin, upstreamStarted, req, log);
}

/** The response path: filters (last first), service time, the route's edits and CORS, then
 *  the body streamed to the client. */
async function relayResponse(res: DownstreamResponse, outcome: UpstreamResponse, instances: HttpFilterInstance[], route: CompiledRoute,
  origin: string | undefined, upstreamStarted: number, req: DownstreamRequest, log: AccessLogEntry): Promise<number> {
  const respHeaders: HeaderPairs = [];
  for (const [k, v] of Object.entries(outcome.headers)) for (const one of Array.isArray(v) ? v : [v]) respHeaders.push([k, one]);
  // The response phase waits for this loop turn's batch too (batch.ts).
  const stopped = await inBatch(() => responsePhase(instances, respHeaders, instances.length - 1));
  if (stopped !== null) { outcome.body.resume(); return reply(res, stopped.reply); }
  headerSet(respHeaders, "x-envoy-upstream-service-time", String(Math.round(performance.now() - upstreamStarted)));
  applyEdits(respHeaders, route.headers.responseAdd, route.headers.responseRemove);
  if (route.cors && origin) applyCors(route.cors, origin, respHeaders);
  const override = route.errorOverrides?.get(outcome.status);
  if (override) {
    outcome.body.resume();
    return reply(res, overrideReply(override, overrideContext(outcome.status, req, log), respHeaders));
  }
  writeHead(res, outcome.status, respHeaders);
  await relayBody(outcome, res);
  return outcome.status;
}

/** The upstream half of an upgrade: a 101 passes the response filters and becomes a tunnel;
 *  anything else is relayed as a normal response (websocket.ts). */
async function forwardUpgrade(env: HandlerEnv, cluster: Parameters<UpstreamPool["pick"]>[0], action: ForwardAction, req: DownstreamRequest, res: DownstreamResponse,
  headers: Record<string, string | string[]>, path: string, authority: string, log: AccessLogEntry, instances: HttpFilterInstance[], route: CompiledRoute,
  origin: string | undefined, upgrade: DownstreamUpgrade): Promise<number> {
  const ep = env.upstreams.pick(cluster);
  if (!ep) return reply(res, { status: 503, headers: [["content-type", "text/plain"]], body: "no healthy upstream" });
  log.upstream = `${ep.host}:${ep.port}`;
  let outcome;
  try {
    outcome = await sendUpgrade(cluster, ep, req.method ?? "GET", path, headers, authority, upgrade.type, action.timeoutMs);
  } catch (err) {
    const error = err instanceof UpstreamError ? err : new UpstreamError("reset", String(err));
    log.response_flags = error.kind === "timeout" ? "UT" : error.kind === "connect-failure" ? "UF" : "UR";
    const status = error.kind === "timeout" ? 504 : 503;
    return replyThroughFilters(res, { status, headers: [["content-type", "text/plain"]], body: error.message }, instances, route, origin, req, log);
  }
  if (outcome.kind === "response") {
    const response: UpstreamResponse = { status: outcome.response.statusCode ?? 502, headers: {}, body: outcome.response };
    for (const [k, v] of Object.entries(outcome.response.headers)) if (v !== undefined && k !== "connection" && k !== "keep-alive" && k !== "transfer-encoding") response.headers[k] = v;
    return relayResponse(res, response, instances, route, origin, performance.now(), req, log);
  }
  const stopped = await inBatch(() => responsePhase(instances, outcome.headers, instances.length - 1));
  if (stopped !== null) { outcome.upstream.destroy(); return reply(res, stopped.reply); }
  applyEdits(outcome.headers, route.headers.responseAdd, route.headers.responseRemove);
  joinTunnel(upgrade, outcome.headers, outcome.upstream, outcome.head);
  return 101;
}

/**
 * Streams the upstream body to the client. One chunk is held back so that the last one goes
 * out with end(): a small response then leaves in one write (headers + body), not two or
 * three — system calls dominate a small request's cost.
 */
function relayBody(upstream: UpstreamResponse, res: DownstreamResponse): Promise<void> {
  const out = res as ServerResponse; // both response kinds share write/drain; the union's overloads do not unify
  return new Promise<void>((resolve) => {
    let held: Buffer | undefined;
    upstream.body.on("error", () => { res.destroy(); resolve(); });
    upstream.body.on("data", (chunk: Buffer) => {
      const previous = held;
      held = chunk;
      if (previous && !out.write(previous)) {
        upstream.body.pause();
        out.once("drain", () => upstream.body.resume());
      }
    });
    upstream.body.on("end", async () => {
      const trailers = upstream.trailers ? await upstream.trailers : {};
      if (Object.keys(trailers).length && "addTrailers" in res) (res as any).addTrailers(trailers);
      if (held) out.end(held);
      else out.end();
      resolve();
    });
  });
}

function mirror(env: HandlerEnv, snapshot: Snapshot, clusterName: string, fraction: number, method: string, path: string,
  headers: Record<string, string | string[]>, body: Buffer | Readable | undefined, authority: string): void {
  if (Math.random() >= fraction) return;
  const cluster = snapshot.clusters.get(clusterName);
  const ep = cluster && env.upstreams.pick(cluster);
  if (!cluster || !ep) return;
  // Envoy appends "-shadow" to the host of mirrored requests.
  const shadowAuthority = authority.replace(/^([^:]+)/, "$1-shadow");
  env.upstreams.send(cluster, ep, { method, path, headers, body: Buffer.isBuffer(body) ? body : undefined, timeoutMs: 0 }, shadowAuthority)
    .then((r) => r.body.resume(), () => undefined);
}

async function replyThroughFilters(res: DownstreamResponse, local: LocalReply, instances: HttpFilterInstance[], route: CompiledRoute, origin: string | undefined, req: DownstreamRequest, log: AccessLogEntry): Promise<number> {
  // Filters see the reply as Envoy's encoder chain does: `:status` first (Http::Utility's
  // local reply), the body's length and type after the sender's own headers.
  const body = typeof local.body === "string" ? Buffer.from(local.body) : local.body;
  const headers: HeaderPairs = [[":status", String(local.status)], ...local.headers];
  if (body.length && !headers.some(([k]) => k === "content-length")) headers.push(["content-length", String(body.length)]);
  for (let i = instances.length - 1; i >= 0; i--) {
    const pending = instances[i].onResponseHeaders(headers, body.length === 0);
    if (pending instanceof Promise) await pending;
  }
  const status = Number(headers.find(([k]) => k === ":status")?.[1] ?? local.status);
  local = { status, headers: headers.filter(([k]) => !k.startsWith(":")), body };
  if (route.cors && origin) applyCors(route.cors, origin, local.headers);
  return reply(res, withOverride(route, local, req, log));
}

/** The route's error response override for this local reply's status, if any (Envoy's
 *  custom_response rewrites local replies too). */
function withOverride(route: CompiledRoute, local: LocalReply, req: DownstreamRequest, log: AccessLogEntry): LocalReply {
  const override = route.errorOverrides?.get(local.status);
  return override ? overrideReply(override, overrideContext(local.status, req, log), local.headers) : local;
}

function overrideContext(status: number, req: DownstreamRequest, log: AccessLogEntry): OverrideContext {
  return { status, protocol: log.protocol, requestHeader: (name) => { const v = req.headers[name]; return Array.isArray(v) ? v.join(",") : v; } };
}

function writeHead(res: DownstreamResponse, status: number, headers: HeaderPairs): void {
  // The HCM's server_name (default "envoy") replaces the upstream's Server header on every
  // response (server_header_transformation OVERWRITE).
  const out: Record<string, string | string[]> = { server: "envoy" };
  for (const [k, v] of headers) {
    if (k.startsWith(":") || k === "server") continue;
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  (res as ServerResponse).writeHead(status, out);
}

export function reply(res: DownstreamResponse, local: LocalReply): number {
  if (res.headersSent) { res.end(); return local.status; }
  const headers = [...local.headers];
  const body = typeof local.body === "string" ? Buffer.from(local.body) : local.body;
  if (!headers.some(([k]) => k === "content-length")) headers.push(["content-length", String(body.length)]);
  writeHead(res, local.status, headers);
  res.end(body);
  return local.status;
}

export { CONTINUE };
