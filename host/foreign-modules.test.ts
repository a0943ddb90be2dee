// The host runs proxy-wasm modules built by other toolchains, not only our AssemblyScript SDK:
// a Rust module (rustc, wasm32-wasi, std; ABI 0.2.1, `proxy_on_memory_allocate`) and a C++ one
// (clang + wasi-libc + libc++; ABI 0.2.0, `malloc`), each written against the ABI in the shape
// its SDK produces (host/testdata/foreign/README.md says how and why not the SDKs themselves).
// Both do the same filter work, driven here through the HostEmulator exactly as a filter author
// would: headers, local responses, an HTTP callout, shared data with CAS, metrics, logs and
// WASI output. The modules are compiled at test time (cached by source hash) by Debian's
// compilers, the tools `rust-wasm32` and `clang-wasm32`: without one, its language's suite is
// skipped, or fails under CI=true (test/tools.ts).
import { beforeAll, expect, it } from "vitest";
import { describeWithTools } from "../test/tools.ts";
import {
  EmulatorOptions, FAIL_CLOSED_DETAILS, FAIL_CLOSED_STATUS, HeadersAction, HostEmulator, InProcessSharedData,
  loadProxyWasmFile, PluginStartError, type CompiledProxyWasm,
} from "./index.ts";
import { buildForeignModule, type ForeignLanguage } from "./testdata/foreign/build.ts";

const CONFIG = "authz_cluster=authz\ndeny_route=default/admin\ncolour=blue\n";
const START_SECONDS = "1704067200"; // the emulator's FakeClock: 2024-01-01T00:00:00Z

const modules: Partial<Record<ForeignLanguage, CompiledProxyWasm>> = {};

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

const LANGUAGES = [
  { lang: "rust" as const, tool: "rust-wasm32", abi: "0.2.1", allocator: "proxy_on_memory_allocate", wasi: ["clock_time_get", "fd_write", "random_get"] },
  { lang: "cpp" as const, tool: "clang-wasm32", abi: "0.2.0", allocator: "malloc", wasi: ["clock_time_get", "fd_fdstat_get", "fd_write"] },
];

for (const { lang, tool, abi, allocator, wasi } of LANGUAGES) describeWithTools([tool], `a ${lang} module (ABI ${abi}, ${allocator})`, () => {
  beforeAll(async () => {
    modules[lang] = loadProxyWasmFile(await buildForeignModule(lang));
  }, 180_000);

  const options = () => new EmulatorOptions().withWasm(modules[lang]!).withPluginConfiguration(CONFIG).withProperty("xds.route_name", "default/api");
  const started = (opts = options()) => {
    const host = new HostEmulator(opts);
    host.startPlugin();
    return host;
  };
  /** Request headers of a user, then the authz callout answered (no headers = the call failed). */
  const request = (host: HostEmulator, user: string, headers: Record<string, string> = { ":status": "200" }, body = `${user}@example\n`) => {
    const id = host.initializeHttpContext();
    expect(host.callOnRequestHeaders(id, { ":path": "/orders", "x-user": user }, true)).toBe(HeadersAction.StopIteration);
    const callout = host.getHttpCallouts().find((c) => c.contextId === id)!;
    host.callOnHttpCallResponse(callout.token, headers, body);
    return id;
  };

  it("loads with its toolchain's ABI marker, allocator and WASI imports, and starts as a WASI reactor", () => {
    const compiled = modules[lang]!;
    expect(compiled.abiVersion).toBe(abi);
    expect(compiled.allocator).toBe(allocator);
    expect(compiled.exports.has("_initialize")).toBe(true);
    expect(compiled.exports.has("_start")).toBe(false);
    const imported = WebAssembly.Module.imports(compiled.module).filter((i) => i.module === "wasi_snapshot_preview1").map((i) => i.name);
    expect(imported).toEqual(expect.arrayContaining(wasi));
    // The C++ module's context factories come from static constructors: only `_initialize` runs them.
    expect(() => started()).not.toThrow();
  });

  it("writes stdout to the info log and stderr to the error log, with the time from the host clock", () => {
    const host = started();
    expect(host.getLogs("info")).toContain(`${lang}-filter: VM started at ${START_SECONDS}`);
    // One log line per fd_write, as in Envoy: Rust's unbuffered stderr writes eprintln! piecewise.
    expect(host.getLogs("error").join("")).toBe(`${lang}-filter: ignoring unknown setting "colour"`);
  });

  it("rewrites the request, pauses on the authz callout and resumes with its answer", () => {
    const host = started();
    const id = host.initializeHttpContext();
    const action = host.callOnRequestHeaders(id, { ":path": "/orders", "x-user": "ann", "x-internal-token": "s3cret", "x-forwarded-user": "mallory" }, true);
    expect(action).toBe(HeadersAction.StopIteration);
    const [callout] = host.getHttpCallouts();
    expect(callout).toMatchObject({ contextId: id, upstream: "authz", headers: [[":method", "GET"], [":path", "/check?user=ann"], [":authority", "authz"]] });
    expect(host.getStreamEvents(id)).toEqual([]);

    // Answered on the root context (as Envoy does); the module finds its stream again.
    host.callOnHttpCallResponse(callout!.token, { ":status": "200" }, "ann@example\n");
    expect(host.getStreamEvents(id)).toEqual([{ event: "continue", streamType: 0 }]);
    expect(host.getCurrentRequestHeaders(id)).toEqual([
      [":path", "/orders"], ["x-user", "ann"], ["x-forwarded-user", "ann"], ["x-route", "default/api"],
      ["x-filter", lang], ["x-started-at", START_SECONDS], ["x-authz-subject", "ann@example"],
    ]);
    expect(host.getGaugeMetric(`${lang}_filter_active_streams`)).toBe(1n);

    expect(host.callOnResponseHeaders(id, { ":status": "201" }, true)).toBe(HeadersAction.Continue);
    expect(host.getCurrentResponseHeaders(id)).toEqual([[":status", "201"], ["x-visits", "1"]]);
    host.completeHttpContext(id);
    expect(host.getLogs("info")).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^${lang}-filter: checking ann on default/api`)),
      `${lang}-filter: default/api ann -> 201`,
    ]));
    expect(host.getCounterMetric(`${lang}_filter_requests_total`)).toBe(1n);
    expect(host.getGaugeMetric(`${lang}_filter_active_streams`)).toBe(0n);
    expect(text(host.getSharedData("visits/ann")?.value)).toBe("1");
    expect(host.getFailures()).toEqual([]);
  });

  it("answers locally: 403 on the closed route, 401 without a user, the authz refusal, 503 when authz is unreachable", () => {
    const host = started();
    const closed = host.initializeHttpContext({ "xds.route_name": "default/admin" });
    expect(host.callOnRequestHeaders(closed, { ":path": "/", "x-user": "ann" }, true)).toBe(HeadersAction.StopIteration);
    const anonymous = host.initializeHttpContext();
    expect(host.callOnRequestHeaders(anonymous, { ":path": "/" }, true)).toBe(HeadersAction.StopIteration);
    const refused = request(host, "bob", { ":status": "403" }, "bob is suspended");
    const unreachable = request(host, "cy", {}, "");

    const reply = (id: number) => {
      const r = host.getSentLocalResponse(id);
      return r && { status: r.statusCode, body: text(r.body), headers: r.headers };
    };
    expect(reply(closed)).toEqual({ status: 403, body: "route default/admin is closed\n", headers: [["x-denied-by", lang]] });
    expect(reply(anonymous)).toEqual({ status: 401, body: "missing x-user\n", headers: [["x-denied-by", lang]] });
    expect(reply(refused)).toEqual({ status: 403, body: "authz said 403: bob is suspended", headers: [["x-denied-by", lang]] });
    expect(reply(unreachable)).toMatchObject({ status: 503, body: "authz unavailable\n" });
    expect(host.getStreamEvents(refused)).toEqual([]);
    expect(host.getCounterMetric(`${lang}_filter_denied_total`)).toBe(4n);
    expect(host.getCounterMetric(`${lang}_filter_requests_total`)).toBe(2n);
  });

  it("counts visits in shared data with CAS: of two workers racing on one user, the second gets a conflict", () => {
    const store = new InProcessSharedData();
    const worker1 = started(options().withVmId("authz").withSharedData(store));
    const worker2 = started(options().withVmId("authz").withSharedData(store));
    const first = request(worker1, "ann");
    worker1.callOnResponseHeaders(first, { ":status": "200" }, true);
    expect(worker1.getCurrentResponseHeaders(first)).toContainEqual(["x-visits", "1"]);

    // Both read visits/ann = 1 with the same CAS before either writes.
    const a = request(worker1, "ann");
    const b = request(worker2, "ann");
    worker1.callOnResponseHeaders(a, { ":status": "200" }, true);
    worker2.callOnResponseHeaders(b, { ":status": "200" }, true);
    expect(worker1.getCurrentResponseHeaders(a)).toContainEqual(["x-visits", "2"]);
    expect(worker2.getCurrentResponseHeaders(b)).toContainEqual(["x-visits-conflict", "retry"]);
    expect(worker2.getCounterMetric(`${lang}_filter_cas_conflicts_total`)).toBe(1n);
    expect(worker2.getLogs("warn")).toEqual([expect.stringContaining(`visits/ann changed since cas`)]);
    expect(text(worker2.getSharedData("visits/ann")?.value)).toBe("2");
  });

  it("a panic/abort fails the VM closed with the module's last message; the failed VM answers later streams with 503, as Envoy keeps it", () => {
    const host = started();
    const doomed = host.initializeHttpContext();
    expect(host.callOnRequestHeaders(doomed, { ":path": "/", "x-user": "ann", "x-panic": "1" }, true)).toBe(HeadersAction.StopIteration);
    expect(host.getSentLocalResponse(doomed)).toMatchObject({ statusCode: FAIL_CLOSED_STATUS, details: FAIL_CLOSED_DETAILS });
    const [failure] = host.getFailures();
    expect(failure).toMatchObject({ kind: "trap", callback: "proxy_on_request_headers" });
    expect(failure!.lastModuleError).toContain(`${lang}-filter: x-panic requested by ann`);
    expect(host.getLogs("critical")).toContainEqual(expect.stringMatching(new RegExp(`^(panicked at ')?${lang}-filter: x-panic requested by ann`)));

    const next = host.initializeHttpContext();
    expect(host.callOnRequestHeaders(next, { ":path": "/orders", "x-user": "ann" }, true)).toBe(HeadersAction.StopIteration);
    expect(host.getSentLocalResponse(next)).toMatchObject({ statusCode: FAIL_CLOSED_STATUS });
    expect(host.getHttpCallouts()).toEqual([]);
  });

  it("under fail reload, the stream after the backoff gets a fresh VM that works", () => {
    const host = started(options().withFailurePolicy("fail-reload"));
    const doomed = host.initializeHttpContext();
    host.callOnRequestHeaders(doomed, { ":path": "/", "x-user": "ann", "x-panic": "1" }, true);
    expect(host.getFailures()).toHaveLength(1);
    host.advanceTime(1_100); // past the first reload backoff (1 s)
    const next = request(host, "ann");
    expect(host.getStreamEvents(next)).toEqual([{ event: "continue", streamType: 0 }]);
    expect(host.plugin.reloads.success).toBe(1);
  });

  it("refuses to start without authz_cluster (proxy_on_configure returns false)", () => {
    const host = new HostEmulator(options().withPluginConfiguration("deny_route=default/admin\n"));
    expect(() => host.startPlugin()).toThrowError(PluginStartError);
    expect(host.getLogs("error").join("")).toContain("bad configuration: authz_cluster is required");
  });
});
