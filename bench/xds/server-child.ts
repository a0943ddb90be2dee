// Server side of the xDS bench, in its own process so its RSS is the server's own (plus the
// model and translator it runs, as in production). Driven by the parent over IPC:
//   -> {cmd: "change", round}   <- {event: "changed", t0, setAt, modelAndTranslateMs, ...}
//   -> {cmd: "stats"}           <- {event: "stats", rssMB, maxRssMB, heapMB}
import { XdsServer } from "../../controlplane/xds/server.ts";
import type { SnapshotEvent } from "../../controlplane/xds/cache.ts";
import { WILDCARD_TYPES } from "../../controlplane/xds/types.ts";
import { loadWorkload } from "./workload.ts";

const now = () => performance.timeOrigin + performance.now();
const send = (message: unknown) => process.send!(message);

const workload = await loadWorkload();
const server = new XdsServer({ debounceMs: 5 });
const port = await server.listen("127.0.0.1:0");
const initial = server.cache.setResourcesNow(workload.resources);
if (initial.errors.length) throw new Error(`snapshot errors: ${initial.errors.slice(0, 3).join("; ")}`);

// Bytes of the whole snapshot as a client subscribed to everything receives it.
let fullBytes = 0;
const counts: Record<string, number> = {};
const names: Record<string, string[]> = {};
for (const [typeUrl, type] of initial.types) {
  fullBytes += type.bytes;
  counts[typeUrl.slice(typeUrl.lastIndexOf(".") + 1)] = type.resources.size;
  if (!WILDCARD_TYPES.has(typeUrl)) names[typeUrl] = [...type.resources.keys()];
}

const pushes = { sotw: 0, delta: 0 };
let lastPushAt = 0;
server.on("push", (p) => {
  pushes[p.protocol as "sotw" | "delta"] += p.bytes;
  lastPushAt = now();
});

send({ event: "ready", port, source: workload.source, mappings: workload.mappings, fullBytes, counts, names, wildcard: [...WILDCARD_TYPES] });

process.on("message", async (msg: { cmd: string; round?: number; gc?: boolean }) => {
  if (msg.cmd === "change") {
    const t0 = now();
    const { resources, modelAndTranslateMs } = await workload.change(msg.round!);
    pushes.sotw = pushes.delta = 0;
    const setAt = now();
    server.cache.once("snapshot", (e: SnapshotEvent) => {
      const changed = Object.fromEntries([...e.changes].map(([t, c]) => [t.slice(t.lastIndexOf(".") + 1), c.changed.length + c.removed.length]));
      send({ event: "changed", t0, setAt, modelAndTranslateMs, encodeMs: e.encodeMs, changed });
    });
    server.setResources(resources); // debounced, as every change batch is
  } else if (msg.cmd === "stats") {
    if (msg.gc) (globalThis as { gc?: () => void }).gc?.(); // live heap, not garbage awaiting a collection
    const m = process.memoryUsage();
    send({ event: "stats", lastPushAt, rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20, externalMB: m.external / 2 ** 20, arrayBuffersMB: m.arrayBuffers / 2 ** 20, maxRssMB: process.resourceUsage().maxRSS / 1024, clients: server.clients().length, pushes });
  } else if (msg.cmd === "exit") {
    await server.close(100);
    process.exit(0);
  }
});
