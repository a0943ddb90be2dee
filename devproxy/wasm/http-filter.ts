// One request through one Wasm plugin: the host/ callbacks run on this thread; a filter that
// stops iteration to make an HTTP callout (e.g. the auth filter's external check) is resumed
// when the callout's answer has been delivered and the module calls proxy_continue_stream,
// or answers with its local response. Callouts go to the named cluster of the current
// Snapshot, as Envoy's proxy_http_call does. Like Envoy's HTTP async client, a callout that
// reaches no upstream is answered by the proxy itself (503 "no healthy upstream", 503 on a
// connect failure, 504 on timeout); only a reset after that is delivered with no headers (the
// ABI's "call failed"). A VM failure follows the plugin's failure policy (host/runtime/plugin.ts).
import { HeadersAction, type HttpCallout, type HttpStreamState, type LocalResponse, type ProxyWasmPlugin, type FailurePolicy } from "../../host/index.ts";
import type { Snapshot } from "../config/snapshot.ts";
import { CONTINUE, type FilterResult, type HeaderPairs, type HttpFilterInstance, type RequestInfo } from "../proxy/filters.ts";
import { UpstreamError, type UpstreamPool } from "../proxy/upstream.ts";
import { requestAttributes } from "./request-properties.ts";

export interface CalloutSender {
  upstreams: UpstreamPool;
  snapshot: () => Snapshot;
}

// Envoy's failStream: a 503 with no body (details wasm_fail_stream).
const FAIL_CLOSED: FilterResult = { kind: "reply", reply: { status: 503, headers: [], body: "" } };

/**
 * The module's local response as the chain's reply. The handler sends it back through every
 * filter's response phase, this one included, as Envoy's encoder chain does; a reply the
 * failure policy made is not shown to the failed module (the stream belongs to no VM).
 */
function toReply(local: LocalResponse): FilterResult {
  const headers: HeaderPairs = local.headers.map(([k, v]) => [k.toLowerCase(), v]);
  if (local.body.length && !headers.some(([k]) => k === "content-type")) headers.push(["content-type", "text/plain"]);
  return { kind: "reply", reply: { status: local.statusCode, headers, body: local.body.length ? Buffer.from(local.body) : "" } };
}

/**
 * The host edits the chain's header list in place (dispatcher `inPlace`); only
 * proxy_set_header_map_pairs swaps in a new list, whose pairs then replace the chain's.
 */
function copyBack(target: HeaderPairs, source: HeaderPairs | null): void {
  if (!source || source === target) return;
  target.length = 0;
  for (const pair of source) target.push(pair);
}

const nothing = () => undefined;

export class WasmHttpFilter implements HttpFilterInstance {
  private stream?: HttpStreamState;

  constructor(
    private readonly plugin: ProxyWasmPlugin | undefined,
    private readonly policy: FailurePolicy,
    private readonly info: RequestInfo,
    private readonly sender: CalloutSender | undefined,
  ) {}

  private failed(): FilterResult {
    return this.policy === "fail-open" ? CONTINUE : FAIL_CLOSED;
  }

  onRequestHeaders(headers: HeaderPairs, endOfStream: boolean): FilterResult | Promise<FilterResult> {
    const plugin = this.plugin;
    if (!plugin) return this.failed();
    let stream: HttpStreamState;
    try {
      stream = plugin.newStream();
    } catch {
      return this.failed();
    }
    this.stream = stream;
    // Envoy attributes a filter reads per request (docs/proxy-wasm-abi.md "Properties").
    stream.attributes = requestAttributes(this.info);
    const before = stream.streamEvents.length;
    // The chain's lists have lower-case names (Node's, the host's and the route edits'), so
    // the module edits them in place, as Envoy's filters edit the stream's header map.
    const action = plugin.headers("request", stream, headers, endOfStream, true);
    return this.settle(stream, action, before, headers, "request");
  }

  onResponseHeaders(headers: HeaderPairs, endOfStream: boolean): FilterResult | Promise<FilterResult> {
    const plugin = this.plugin;
    const stream = this.stream;
    // A local reply comes back through here too (Envoy runs the sending filter's encoder):
    // the module sees it, unless the reply is its own failure's.
    if (!plugin || !stream || stream.localResponse?.encoded) return CONTINUE;
    if (stream.localResponse) stream.localResponse.encoded = { headers, body: stream.localResponse.body };
    const before = stream.streamEvents.length;
    const replying = stream.localResponse;
    const action = plugin.headers("response", stream, headers, endOfStream, true);
    if (replying && stream.localResponse === replying) {
      copyBack(headers, stream.responseHeaders);
      return CONTINUE;
    }
    return this.settle(stream, action, before, headers, "response");
  }

  onDone(): void {
    const plugin = this.plugin;
    const stream = this.stream;
    if (!plugin || !stream || stream.completed) return;
    plugin.completeStream(stream);
  }

  /** Continue, reply, or wait for callouts until the module continues or replies. */
  private settle(stream: HttpStreamState, action: number, eventsBefore: number, headers: HeaderPairs, phase: "request" | "response"): FilterResult | Promise<FilterResult> {
    if (stream.localResponse) return toReply(stream.localResponse);
    if (action === HeadersAction.Continue || action === HeadersAction.ContinueAndEndStream) {
      copyBack(headers, phase === "request" ? stream.requestHeaders : stream.responseHeaders);
      return CONTINUE;
    }
    return this.waitForCallouts(stream, eventsBefore, headers, phase);
  }

  private async waitForCallouts(stream: HttpStreamState, eventsBefore: number, headers: HeaderPairs, phase: "request" | "response"): Promise<FilterResult> {
    const plugin = this.plugin!;
    const started = new Set<number>();
    for (;;) {
      if (stream.localResponse) return toReply(stream.localResponse);
      if (stream.streamEvents.slice(eventsBefore).some((e) => e.event === "continue")) {
        copyBack(headers, phase === "request" ? stream.requestHeaders : stream.responseHeaders);
        return CONTINUE;
      }
      if (stream.streamEvents.slice(eventsBefore).some((e) => e.event === "close")) return FAIL_CLOSED;
      const vm = plugin.vm;
      const pending = vm ? [...vm.httpCallouts.values()].filter((c) => c.contextId === stream.id && !started.has(c.token)) : [];
      if (pending.length === 0) {
        // Stopped with nothing in flight: the module will never resume this stream. Envoy
        // would hold it until the route timeout; answer now instead of hanging the client.
        return { kind: "reply", reply: { status: 500, headers: [["content-type", "text/plain"]], body: "filter stopped the request without a pending callout" } };
      }
      for (const c of pending) started.add(c.token);
      const answers = await Promise.all(pending.map((c) => this.send(c)));
      for (const [i, c] of pending.entries()) {
        const a = answers[i];
        plugin.guard(stream, () => plugin.dispatcher!.httpCallResponse(c.token, a.headers, a.body, []), nothing);
      }
    }
  }

  private async send(c: HttpCallout): Promise<{ headers: HeaderPairs; body: Uint8Array }> {
    const failed = { headers: [] as HeaderPairs, body: new Uint8Array() };
    const snapshot = this.sender?.snapshot();
    const cluster = snapshot?.clusters.get(c.upstream);
    const ep = cluster && this.sender!.upstreams.pick(cluster);
    if (!cluster) return failed;
    if (!ep) return localAnswer(503, "no healthy upstream");
    const get = (name: string) => c.headers.find(([k]) => k === name)?.[1];
    const headers: Record<string, string> = {};
    for (const [k, v] of c.headers) if (!k.startsWith(":")) headers[k] = v;
    try {
      const res = await this.sender!.upstreams.send(cluster, ep, {
        method: get(":method") ?? "GET",
        path: get(":path") ?? "/",
        headers,
        body: c.body.length ? Buffer.from(c.body) : undefined,
        timeoutMs: c.timeoutMs,
      }, get(":authority") ?? c.upstream);
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(chunk as Buffer);
      const out: HeaderPairs = [[":status", String(res.status)]];
      for (const [k, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : [v]) out.push([k, one]);
      return { headers: out, body: Buffer.concat(chunks) };
    } catch (err) {
      if (!(err instanceof UpstreamError) || err.kind === "reset") return failed;
      return err.kind === "timeout"
        ? localAnswer(504, "upstream request timeout")
        : localAnswer(503, "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure");
    }
  }
}

/** The answer Envoy's router gives a callout it could not send (a local reply, source/common/router). */
function localAnswer(status: number, text: string): { headers: HeaderPairs; body: Uint8Array } {
  const body = Buffer.from(text);
  return { headers: [[":status", String(status)], ["content-length", String(body.length)], ["content-type", "text/plain"]], body };
}
