// The control plane of the scale bench in its own process, so its RSS is its own: the module
// server, the ADS server and the pipeline (model + translate) that `attache serve` runs, fed
// the workload as one bundle (the Kubernetes informers are bench/kubernetes's subject).
// Driven by the parent over IPC:
//   <- {event: "listening", xds, at}   then   <- {event: "ready", firstSnapshotAt, modelAndTranslateMs, ratelimitConfigBytes}
//   -> {cmd: "change", kind, round}  <- {event: "changed", setAt, modelAndTranslateMs, host, prefix}
//   -> {cmd: "acked"}                <- {event: "acked", all, pending}   (Envoy ACKed everything sent?)
//   -> {cmd: "pushes"}               <- {event: "pushes", bytes, byType, cpuMs}   (since the last change)
//   -> {cmd: "stats"}                <- {event: "stats", rssMB, maxRssMB, heapMB, disconnects, maxLoopDelayMs}
import { monitorEventLoopDelay } from "node:perf_hooks";
import { ModuleRegistry } from "../../controlplane/modules/registry.ts";
import { startModuleServer } from "../../controlplane/modules/server.ts";
import { registerBuiltModules } from "../../controlplane/runner/modules.ts";
import { Pipeline } from "../../controlplane/runner/pipeline.ts";
import { runInSlices } from "../../controlplane/runner/slices.ts";
import { loadFilterSchemas } from "../../controlplane/sources/file/local-filters.ts";
import { XdsServer } from "../../controlplane/xds/server.ts";
import { scaleWorkload } from "./workload.ts";

const now = () => performance.timeOrigin + performance.now();
const send = (message: unknown) => process.send!(message);
const [hosts, upstreamPort, httpPort, httpsPort, repoRoot] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]), process.argv[6]!];

const registry = new ModuleRegistry();
const modules = registerBuiltModules(registry, repoRoot);
const moduleServer = await startModuleServer(registry, 0, "127.0.0.1");
const xds = new XdsServer({ debounceMs: 5 });
const xdsPort = await xds.listen("127.0.0.1:0");
const pipeline = new Pipeline({
  model: {
    moduleServer: { clusterName: "attache_modules", host: "127.0.0.1", port: moduleServer.port },
    modules,
    filterSchemas: loadFilterSchemas(repoRoot),
    listeners: { http: httpPort, https: httpsPort },
  },
  modules: registry,
});
let bytes = 0;
/** This process's CPU time when the last change arrived. */
let cpuAtChange = process.cpuUsage();
let byType: Record<string, number> = {};
xds.on("push", (p: { bytes: number; typeUrl?: string }) => {
  bytes += p.bytes;
  const type = String(p.typeUrl ?? "").split(".").pop()!;
  byType[type] = (byType[type] ?? 0) + p.bytes;
});
const nacks: string[] = [];
/** ADS streams Envoy lost (a reset stream reconnects, but its config waits for the new one). */
let disconnects = 0;
xds.on("disconnect", () => disconnects++);
/** How long this process's event loop went without turning (keepalive pings wait that long). */
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
xds.on("nack", (n: { typeUrl: string; message: string }) => nacks.push(`${n.typeUrl.split(".").pop()}: ${n.message.slice(0, 300)}`));

const workload = await scaleWorkload(hosts, upstreamPort);
// "attache start" from here: the workload stands for what the informers would have listed.
loopDelay.reset(); // from here on Envoy may be connected
send({ event: "listening", xds: xdsPort, at: now() });
// As `attache serve` does: model + translate + encode in slices, so the xDS connection Envoy
// opens meanwhile is answered (keepalives) while the first snapshot is built.
const first = await pipeline.applyInSlices(workload.bundle);
await runInSlices(xds.cache.encodeAhead(first.resources));
const invalid = first.statuses.filter((s) => s.errors.length);
if (invalid.length) throw new Error(`workload invalid: ${invalid.slice(0, 3).map((s) => s.errors.join("; ")).join(" | ")}`);
xds.cache.setResourcesNow(first.resources);
const ratelimit = first.resources["type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig"]?.get("attache.wasm/_builtin/ratelimit") as
  { typed_config?: { config?: { configuration?: { value?: string } } } } | undefined;
send({
  event: "ready", firstSnapshotAt: now(), modelAndTranslateMs: first.durationMs, mappings: workload.mappings,
  ratelimitConfigBytes: Buffer.byteLength(ratelimit?.typed_config?.config?.configuration?.value ?? ""),
});

process.on("message", async (msg: { cmd: string; kind?: "plain" | "filtered"; round?: number }) => {
  if (msg.cmd === "change") {
    const started = performance.now();
    cpuAtChange = process.cpuUsage();
    const change = workload.change(msg.kind!, msg.round!);
    const result = await pipeline.applyInSlices(change.bundle);
    await runInSlices(xds.cache.encodeAhead(result.resources));
    bytes = 0;
    byType = {};
    xds.setResources(result.resources);
    send({ event: "changed", setAt: now(), modelAndTranslateMs: performance.now() - started, host: change.host, prefix: change.prefix });
  } else if (msg.cmd === "acked") {
    const clients = xds.clients();
    const pending = clients.flatMap((c) => Object.keys(c.sent).filter((t) => c.acked[t] !== c.sent[t]).map((t) => t.split(".").pop()!));
    send({ event: "acked", all: clients.length > 0 && pending.length === 0, pending });
  } else if (msg.cmd === "pushes") {
    const cpu = process.cpuUsage(cpuAtChange);
    send({ event: "pushes", bytes, byType, nacks, cpuMs: (cpu.user + cpu.system) / 1000 });
  } else if (msg.cmd === "stats") {
    const m = process.memoryUsage();
    send({ event: "stats", rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20, maxRssMB: process.resourceUsage().maxRSS / 1024, disconnects, maxLoopDelayMs: loopDelay.max / 1e6 });
  } else if (msg.cmd === "exit") {
    await xds.close(100);
    await moduleServer.close();
    process.exit(0);
  }
});
