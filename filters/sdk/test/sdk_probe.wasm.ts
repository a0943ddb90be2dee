// Test-only proxy-wasm filter exercising every SDK helper through a real host (host/ in
// probe.test.ts). Each request names an operation in the `x-probe` header; results come back
// as a local response body, header changes, metrics or logs, so a test sees exactly what the
// SDK sent to the host.
export * from "../exports";
import {
  BaseContext, Counter, FilterDataStatus, FilterHeadersStatus, Gauge, HeaderPair, Histogram, HttpCallResponse,
  HttpContext, RootContext, SharedQueue, WasmResult, continueRequest, dispatchHttpCall, getCurrentTimeNanoseconds,
  getLogLevel, getPropertyString, getRouteName, getSharedData, getSourceAddress, logInfo, logWarn,
  registerRootContext, registerSharedQueue, requestBody, requestHeaders, resolveSharedQueue, responseHeaders,
  sendLocalResponse, setSharedData, setTickPeriodMilliseconds, wasmResultName,
  callForeignFunction, closeRequest, getClusterName, ForeignFunction, PropertyPath, RouteMap, borrowSharedData,
  borrowedSharedDataCas, borrowNumberedSharedData, setNumberedSharedData, getCurrentTimeMilliseconds, getPluginName, getPluginRootId,
  getPluginVmId, getPropertyInt, getRequestHost, getRequestId, getRequestMethod, getRequestPath, getRequestUrlPath,
  grpcCall, grpcCancel, grpcReceiveBuffer, pendingHttpCallCount, sendLocalResponseBytes, setProperty,
  JsonObject, RouteSettingsResolver,
} from "..";

function orNull(value: string | null): string { return value !== null ? value : "(null)"; }

/** Twelve routes (the table grows past its first 8 slots), one with a non-ASCII name, one named "". */
const routeSettings = new RouteMap<string>();
for (let i = 0; i < 10; i++) routeSettings.set("ns/route-" + i.toString(), "settings " + i.toString());
routeSettings.set("ns/café", "settings café");
routeSettings.set("", "settings of the empty name");
routeSettings.set("ns/route-3", "settings 3, replaced");

/** Route metadata settings `{"value": ...}`, resolved to "<value> parsed for <route> (#<n>)". */
let metadataParses = 0;
class ValueResolver extends RouteSettingsResolver<string> {
  constructor(private readonly perRoute: bool) { super(); }
  resolve(route: string, settings: JsonObject): string | null {
    metadataParses++;
    return settings.getString("value") + " parsed for " + route + " (#" + metadataParses.toString() + ")";
  }
  usesRouteName(): bool { return this.perRoute; }
}
/** Settings only in route metadata; shared by routes with the same text. */
const metadataSettings = new RouteMap<string>();
metadataSettings.readRouteMetadata(new ValueResolver(false));
/** Settings only in route metadata, whose value depends on the route's name. */
const perRouteSettings = new RouteMap<string>();
perRouteSettings.readRouteMetadata(new ValueResolver(true));
/** Twelve routes in the configuration, and route metadata for the others. */
routeSettings.readRouteMetadata(new ValueResolver(false));

const missingFunction = new ForeignFunction("probe_missing_function");
const ROUTE_NAME_PATH = new PropertyPath(["xds", "route_name"]);

class ProbeRoot extends RootContext {
  ticks: Counter | null = null;
  requests: Counter | null = null;
  inFlight: Gauge | null = null;
  sizes: Histogram | null = null;
  queue: SharedQueue | null = null;

  onConfigure(configuration: ArrayBuffer): bool {
    const text = String.UTF8.decode(configuration);
    if (text == "fail") return false;
    this.ticks = new Counter("probe_ticks");
    this.requests = new Counter("probe_requests");
    this.inFlight = new Gauge("probe_in_flight");
    this.sizes = new Histogram("probe_header_count");
    this.queue = registerSharedQueue("probe");
    const period = text.length > 0 ? I32.parseInt(text, 10) : 0;
    if (period > 0) setTickPeriodMilliseconds(<u32>period);
    return true;
  }

  onTick(): void { this.ticks!.increment(); }

  onQueueReady(queueId: u32): void {
    let message = this.queue!.dequeue();
    while (message !== null) {
      logInfo("probe queue " + queueId.toString() + ": " + String.UTF8.decode(message));
      message = this.queue!.dequeue();
    }
  }

  createHttpContext(contextId: u32): HttpContext { return new ProbeStream(contextId, this); }
}

function reply(body: string): FilterHeadersStatus {
  sendLocalResponse(200, "probe", body, [new HeaderPair("x-probe-reply", "yes")]);
  return FilterHeadersStatus.StopIteration;
}

function header(name: string): string {
  const value = requestHeaders.get(name);
  return value !== null ? value : "";
}

function onCalloutAnswer(context: BaseContext, response: HttpCallResponse): void {
  const stream = context as ProbeStream;
  if (response.failed) {
    sendLocalResponse(503, "probe_callout_failed", "callout failed", []);
    return;
  }
  const status = response.status;
  if (status == 200) {
    requestHeaders.set("x-callout-body", response.bodyString());
    const echoed = response.header("x-echo");
    requestHeaders.set("x-callout-echo", echoed !== null ? echoed : "(none)");
    requestHeaders.set("x-callout-context", stream.contextId.toString());
    continueRequest();
  } else {
    sendLocalResponse(status, "probe_callout_denied", response.bodyString(), []);
  }
}

class ProbeStream extends HttpContext {
  /** The x-probe header, kept for the body callbacks: as in Envoy, the request headers are no
   *  longer readable once onRequestHeaders returned Continue. */
  op: string = "";

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root as ProbeRoot;
    root.requests!.increment();
    root.sizes!.record(numHeaders);
    const op = header("x-probe");
    this.op = op;
    if (op == "headers") {
      const pairs = requestHeaders.all();
      const lines = new Array<string>();
      for (let i = 0; i < pairs.length; i++) lines.push(pairs[i].key + "=" + pairs[i].value);
      return reply(numHeaders.toString() + "/" + requestHeaders.byteSize().toString() + "\n" + lines.join("\n"));
    }
    if (op == "mutate") {
      requestHeaders.add("x-added", "one");
      requestHeaders.add("x-added", "two");
      requestHeaders.set("x-replaced", "new");
      requestHeaders.remove("x-removed");
      requestHeaders.remove("x-never-there");
      return FilterHeadersStatus.Continue;
    }
    if (op == "set-all") {
      requestHeaders.setAll([new HeaderPair(":method", "GET"), new HeaderPair(":path", "/rewritten"), new HeaderPair("x-only", "this")]);
      return FilterHeadersStatus.Continue;
    }
    if (op == "get-missing") return reply(requestHeaders.get("x-not-sent") === null ? "null" : "present");
    if (op == "echo") {
      // Two reads in a row (the second reuses the scratch block), then values written back.
      const long = header("x-long");
      const short = header("x-short");
      requestHeaders.set("x-echo-long", long);
      requestHeaders.set("x-echo-short", short);
      requestHeaders.set("x-has", (requestHeaders.has("x-long") ? "long " : "") + (requestHeaders.has("x-absent") ? "absent" : "-"));
      return FilterHeadersStatus.Continue;
    }
    if (op == "numbers") {
      requestHeaders.setNumber("x-zero", 0);
      requestHeaders.setNumber("x-number", 1234567890);
      requestHeaders.setNumber("x-max", u64.MAX_VALUE);
      return FilterHeadersStatus.Continue;
    }
    if (op == "route-map") {
      const settings = routeSettings.forCurrentRoute();
      const borrowed = ROUTE_NAME_PATH.borrow();
      const name = borrowed !== null ? String.UTF8.decodeUnsafe(borrowed.ptr, borrowed.length) : "(no route)";
      return reply((settings !== null ? settings : "(none)") + " for " + name + " of " + routeSettings.size.toString());
    }
    if (op == "route-metadata" || op == "route-metadata-per-route") {
      const settings = (op == "route-metadata" ? metadataSettings : perRouteSettings).forCurrentRoute();
      return reply(settings !== null ? settings : "(none)");
    }
    if (op == "property") {
      const value = getPropertyString(header("x-path").split("."));
      return reply(value !== null ? value : "(null)");
    }
    if (op == "route") {
      const route = getRouteName();
      const source = getSourceAddress();
      return reply((route !== null ? route : "(null)") + " " + (source !== null ? source : "(null)"));
    }
    if (op == "shared-get") {
      const found = getSharedData(header("x-key"));
      return reply(found === null ? "(null)" : String.UTF8.decode(found.value) + "|" + found.cas.toString());
    }
    if (op == "shared-borrow") {
      const found = borrowSharedData(header("x-key"));
      if (found === null) return reply("(null)");
      return reply(String.UTF8.decodeUnsafe(found.ptr, found.length) + "|" + borrowedSharedDataCas().toString());
    }
    if (op == "shared-numbered") {
      const n = U64.parseInt(header("x-n"), 10);
      const set = setNumberedSharedData(header("x-prefix"), n, String.UTF8.encode(header("x-value")));
      const found = borrowNumberedSharedData(header("x-prefix"), n);
      return reply(wasmResultName(set) + " " + (found !== null ? String.UTF8.decodeUnsafe(found.ptr, found.length) : "(null)"));
    }
    if (op == "shared-set") {
      const cas = header("x-cas");
      const result = setSharedData(header("x-key"), String.UTF8.encode(header("x-value")), cas.length > 0 ? <u32>I64.parseInt(cas, 10) : 0);
      return reply(wasmResultName(result));
    }
    if (op == "enqueue") {
      const queue = resolveSharedQueue(header("x-vm-id"), "probe");
      if (queue === null) return reply("no queue");
      return reply(queue.enqueue(String.UTF8.encode(header("x-message"))) ? "queued" : "refused");
    }
    if (op == "metrics") {
      root.inFlight!.set(5);
      root.inFlight!.increment(2);
      root.inFlight!.decrement();
      return reply(root.requests!.get().toString() + " " + root.inFlight!.get().toString());
    }
    if (op == "callout") {
      const call = dispatchHttpCall(header("x-cluster"), [
        new HeaderPair(":method", "POST"), new HeaderPair(":path", "/check"), new HeaderPair(":authority", "auth.local"),
        new HeaderPair("x-user", header("x-user")),
      ], String.UTF8.encode("probe-body"), [], 500, this, onCalloutAnswer);
      if (!call.ok) return reply("dispatch failed: " + wasmResultName(call.status));
      return FilterHeadersStatus.StopIteration;
    }
    if (op == "request-properties") {
      return reply([orNull(getRequestPath()), orNull(getRequestUrlPath()), orNull(getRequestMethod()), orNull(getRequestHost()),
        orNull(getRequestId()), orNull(getClusterName()), getPropertyInt(["source", "port"], -1).toString()].join(" "));
    }
    if (op == "plugin-properties") return reply(orNull(getPluginName()) + " " + orNull(getPluginRootId()) + " " + orNull(getPluginVmId()));
    if (op == "set-property") return reply(setProperty(header("x-path").split("."), String.UTF8.encode(header("x-value"))) ? "set" : "refused");
    if (op == "foreign") {
      const answer = callForeignFunction(header("x-function"), String.UTF8.encode("args"));
      return reply(answer === null ? "(null)" : String.UTF8.decode(answer));
    }
    if (op == "foreign-missing") {
      const first = missingFunction.call(String.UTF8.encode("args"));
      const second = missingFunction.call(String.UTF8.encode("args"));
      return reply((first === null ? "null" : "bytes") + " " + (second === null ? "null" : "bytes") + " " + (missingFunction.available ? "available" : "missing"));
    }
    if (op == "grpc") {
      const call = grpcCall(header("x-cluster"), "probe.Check", "Run", [new HeaderPair("x-md", "1")], String.UTF8.encode("msg"), 200, this);
      if (call.ok && header("x-cancel") == "yes") grpcCancel(call.token);
      return reply(call.ok ? "grpc token " + call.token.toString() : "grpc refused " + wasmResultName(call.status));
    }
    if (op == "pending") return reply(pendingHttpCallCount().toString());
    if (op == "bytes-reply") {
      const bytes = new Uint8Array(3);
      bytes[0] = 0; bytes[1] = 0xff; bytes[2] = 0x7f;
      sendLocalResponseBytes(418, "probe_bytes", bytes.buffer, []);
      return FilterHeadersStatus.StopIteration;
    }
    if (op == "close") { closeRequest(); return FilterHeadersStatus.StopIteration; }
    if (op == "clock-ms") return reply(getCurrentTimeMilliseconds().toString());
    if (op == "callout-method") {
      // No per-call callback: the answer must reach this context's onHttpCallResponse.
      const call = dispatchHttpCall(header("x-cluster"), [
        new HeaderPair(":method", "GET"), new HeaderPair(":path", "/"), new HeaderPair(":authority", "a"),
      ], null, [], 100, this);
      return call.ok ? FilterHeadersStatus.StopIteration : reply("dispatch failed");
    }
    if (op == "time") return reply(getCurrentTimeNanoseconds().toString());
    if (op == "log-level") return reply((<i32>getLogLevel()).toString());
    if (op == "warn") { logWarn("probe warning from context " + this.contextId.toString()); return FilterHeadersStatus.Continue; }
    if (op == "trap") { const values = new Array<i32>(1); return <FilterHeadersStatus>values[5]; }
    return FilterHeadersStatus.Continue;
  }

  /** With `x-probe: upper-body`: buffers the body and forwards it upper-cased. */
  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    const op = this.op;
    if (op == "wrap-body") {
      if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
      requestBody.prepend(String.UTF8.encode("<"));
      requestBody.append(String.UTF8.encode(">"));
      const whole = requestBody.getString();
      logInfo("body length " + requestBody.length().toString() + ", seen " + (whole !== null ? whole : "(null)"));
      return FilterDataStatus.Continue;
    }
    if (op != "upper-body") return FilterDataStatus.Continue;
    if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
    const body = requestBody.get(0, bodySize);
    if (body !== null) requestBody.replace(String.UTF8.encode(String.UTF8.decode(body).toUpperCase()));
    return FilterDataStatus.Continue;
  }

  onGrpcReceive(token: u32, messageSize: u32): void {
    const message = grpcReceiveBuffer.get(0, messageSize);
    logInfo("grpc message on " + this.contextId.toString() + ": " + (message !== null ? String.UTF8.decode(message) : ""));
  }

  onGrpcClose(token: u32, statusCode: u32): void {
    logInfo("grpc close on " + this.contextId.toString() + ": " + statusCode.toString());
  }

  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
    sendLocalResponse(200, "probe_callout_method", "method " + token.toString() + " " + numHeaders.toString() + " " + bodySize.toString() + " " + pendingHttpCallCount().toString(), []);
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    responseHeaders.set("x-probe-response", "seen");
    return FilterHeadersStatus.Continue;
  }
}

/** Registered under root id "sdk-probe-strict": proves the dispatcher picks roots by plugin_root_id. */
class StrictRoot extends RootContext {
  createHttpContext(contextId: u32): HttpContext { return new StrictStream(contextId, this); }
}

class StrictStream extends HttpContext {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus { return reply("strict root"); }
}

registerRootContext((contextId: u32): RootContext => new ProbeRoot(contextId));
registerRootContext((contextId: u32): RootContext => new StrictRoot(contextId), "sdk-probe-strict");

// Compiles the rest of the public API (AssemblyScript only type-checks reachable code). Never
// called by the tests with a non-zero flag.
import {
  ConfigErrors, JsonArray, JsonObject, closeResponse, continueResponse, done, getHttpContext, getRootContext, getStatus,
  grpcClose, grpcSend, grpcStream, logCritical, logDebug, logError, logTrace, parseConfigObject, pluginConfiguration,
  vmConfiguration,
} from "..";

export function probeApiSurface(flag: i32): i32 {
  if (flag == 0) return 0;
  const stream = grpcStream("c", "s", "m", []);
  grpcSend(stream.token, new ArrayBuffer(1), true);
  grpcClose(stream.token);
  const status = getStatus();
  logTrace(status.message); logDebug("d"); logError("e"); logCritical("c");
  closeResponse(); continueResponse(); done();
  const errors = new ConfigErrors();
  const root: JsonObject | null = parseConfigObject(new ArrayBuffer(0), errors);
  if (root !== null) {
    const list: JsonArray | null = root.getArray("a");
    if (list !== null && list.length > 0) { list.getNumber(0); list.getBool(0); list.getObject(0); list.raw(0); }
    root.raw("x");
  }
  const vm = vmConfiguration.get();
  const plugin = pluginConfiguration.getString();
  const r = getRootContext(1);
  const h = getHttpContext(2);
  return (vm !== null ? 1 : 0) + (plugin !== null ? 2 : 0) + (r !== null ? 4 : 0) + (h !== null ? 8 : 0) + <i32>status.code;
}
