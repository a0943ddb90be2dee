// /ready on the real components, wired as `attache dev` wires them (controlplane/runner/dev.ts):
// file-shaped bundle -> Pipeline -> xDS snapshot cache -> admin server. The xDS cache's batch
// window is made very long so each step is observable: 503 before any translation, still 503
// after the translation until the snapshot exists, 200 naming the snapshot a proxy then gets.
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Pipeline } from "../runner/pipeline.ts";
import { xdsSnapshotState } from "../runner/xds-state.ts";
import type { ResourceBundle } from "../sources/bundle.ts";
import { TYPE_URL, XdsServer } from "../xds/index.ts";
import { DeltaTestClient } from "../../test/xds/protocol-client.ts";
import { ControlPlaneMetrics } from "./metrics.ts";
import { startAdminServer, type AdminServer } from "./server.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => { while (cleanup.length) await cleanup.pop()!(); });

const bundle: ResourceBundle = {
  revision: 1,
  resources: [{
    object: { apiVersion: "attache.dev/v1alpha1", kind: "Mapping", metadata: { name: "echo", namespace: "default" }, spec: { prefix: "/echo/", service: "http://127.0.0.1:9001" } },
    location: { file: "echo.yaml", line: 1 },
  }],
  errors: [],
};

async function startControlPlane() {
  const metrics = new ControlPlaneMetrics();
  const pipeline = new Pipeline({
    model: { moduleServer: { clusterName: "attache_modules", host: "127.0.0.1", port: 18002 }, modules: {}, listeners: { http: 8080, https: 8443 } },
    logger: pino({ level: "silent" }),
    metrics,
  });
  // A batch window no test waits out: the snapshot is built when the test flushes.
  const xds = new XdsServer({ debounceMs: 600_000 });
  const xdsPort = await xds.listen("127.0.0.1:0");
  cleanup.push(() => xds.close(100));
  pipeline.on("result", (r) => xds.setResources(r.resources));
  const admin: AdminServer = await startAdminServer({
    ready: () => xdsSnapshotState(pipeline, xds),
    config: () => ({}),
    statuses: () => pipeline.latest?.statuses ?? [],
    ir: () => pipeline.latest?.ir,
    clients: () => xds.clients(),
    metrics,
  }, 0);
  cleanup.push(() => admin.close());
  const ready = async () => {
    const res = await fetch(`http://127.0.0.1:${admin.port}/ready`);
    return { status: res.status, body: await res.text() };
  };
  return { pipeline, xds, xdsPort, ready };
}

describe("/ready", () => {
  it("is 503 until the first translation has become an xDS snapshot, then 200 naming that snapshot", async () => {
    const { pipeline, xds, ready } = await startControlPlane();
    expect(await ready()).toEqual({ status: 503, body: "not ready: no configuration translated yet\n" });

    pipeline.apply(bundle);
    expect(pipeline.latest?.statuses.every((s) => s.errors.length === 0)).toBe(true);
    expect(await ready()).toEqual({ status: 503, body: "not ready: translation done, xDS snapshot not built yet\n" });

    xds.cache.flush();
    const snapshot = xds.cache.snapshot();
    expect(snapshot).toBeDefined();
    expect(await ready()).toEqual({ status: 200, body: `ready: xDS snapshot ${snapshot!.version} (revision 1)\n` });
  });

  it("once ready, a proxy that connects is served the very snapshot /ready names", async () => {
    const { pipeline, xds, xdsPort, ready } = await startControlPlane();
    pipeline.apply(bundle);
    xds.cache.flush();
    const named = /xDS snapshot (\S+)/.exec((await ready()).body)?.[1];
    const proxy = new DeltaTestClient(`127.0.0.1:${xdsPort}`, { id: "first-proxy", cluster: "edge" });
    cleanup.push(() => proxy.close());
    proxy.request({ type_url: TYPE_URL.cluster });
    const clusters = await proxy.next();
    expect(clusters.system_version_info).toBe(named);
    expect(clusters.resources.map((r) => r.name)).toContain("url/127.0.0.1:9001");
  });

  it("stays 200 through later translations (readiness is about the first snapshot)", async () => {
    const { pipeline, xds, ready } = await startControlPlane();
    pipeline.apply(bundle);
    xds.cache.flush();
    pipeline.apply({ ...bundle, revision: 2, resources: [] });
    expect((await ready()).status).toBe(200);
  });
});
