// The diagnostics page in a real browser (Debian's Chromium via playwright-core; skipped or,
// under CI=true, failed without it: test/tools.ts) against the dev stack serving examples/
// (what `npm start` runs), plus a watched scratch directory for live changes: the page shows
// the examples' Mappings, the intentionally invalid example's errors with its file, unreadable
// YAML with its file, filters by the search box, keeps what the user expanded across its live
// refresh, and highlights a proxy that NACKed. A full-page screenshot goes to
// test/artifacts/diagnostics.png for review.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startDevStack, type DevStack } from "../../controlplane/runner/dev.ts";
import { TYPE_URL } from "../../controlplane/xds/index.ts";
import { eventually, freePort, mapping, REPO_ROOT } from "../e2e/harness.ts";
import { describeWithTools } from "../tools.ts";
import { DeltaTestClient } from "../xds/protocol-client.ts";
import { launchChromium } from "./chromium.ts";

const ARTIFACTS = join(REPO_ROOT, "test", "artifacts");
// The page refreshes every 2 s; allow a few refreshes on a busy machine.
const POLL = { timeout: 8000 };
// What Envoy says when a Cluster fails proto validation (envoy/config/cluster/v3/cluster.proto).
const NACK_MESSAGE = "Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)";

let stack: DevStack;
let scratch: string;
let browser: Browser;
let page: Page;
let admin: string;
const nackers: DeltaTestClient[] = [];
/** The stack's structured log (pino JSON lines), as an operator's log shipper would get it. */
const logLines: Array<Record<string, any>> = [];

const route = (name: string) => page.locator(`[data-testid=route][data-route="${name}"]`);

function writeScratch(name: string, yaml: string): void {
  const tmp = join(scratch, `.${name}.tmp`);
  writeFileSync(tmp, yaml);
  renameSync(tmp, join(scratch, name)); // atomically, as editors save
}

describeWithTools(["chromium"], "diagnostics page", () => {
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "attache-diagnostics-"));
    stack = await startDevStack({
      paths: [join(REPO_ROOT, "examples"), scratch],
      repoRoot: REPO_ROOT,
      ports: { http: await freePort(), https: await freePort(), xds: 0, admin: 0, modules: 0, proxyAdmin: 0 },
      exampleUpstreams: false,
      logger: pino({ level: "info" }, { write: (line: string) => void logLines.push(JSON.parse(line)) }),
      accessLog: false,
      debounceMs: 10,
      workers: 0,
    });
    admin = `http://127.0.0.1:${stack.ports.admin}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${admin}/`);
  });

  afterAll(async () => {
    for (const c of nackers) c.close();
    await browser?.close();
    await stack?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("shows the examples' Mappings with their match, backend and per-route filters", async () => {
    await expect.poll(() => route("default/echo").count(), POLL).toBeGreaterThan(0);
    const echo = route("default/echo").first();
    expect(await echo.textContent()).toContain("prefix /echo/");
    // examples/custom-filter.yaml enables WasmFilter default/hello on default/hello with
    // per-route settings; expanding the filter on the route shows them.
    const hello = route("default/hello").first().locator("details.filter", { hasText: "default/hello" });
    expect(await hello.count()).toBe(1);
    await hello.locator("summary").click();
    expect(await hello.locator("pre").textContent()).toContain('"require": "x-api-version"');
    // examples/auth.yaml's WasmFilter default/api-auth: its configuration is shown in the
    // filter table, with the demo JWT HMAC key redacted.
    const auth = page.locator("[data-testid=filter][data-filter='attache.wasm/default/api-auth']");
    await auth.locator("summary").click();
    const configuration = (await auth.locator("pre").textContent()) ?? "";
    expect(configuration).toContain('"issuer": "attache-examples"');
    expect(configuration).toContain("[redacted]");
    expect(configuration).not.toContain("YXR0YWNoZS1kZW1vLWhzMjU2LXNlY3JldC1rZXktMDEyMzQ1Njc4OQ");
  });

  it("shows the invalid example with every error and the file it came from", async () => {
    const invalid = page.locator("[data-testid=invalid-resource]", { hasText: "Mapping default/broken" });
    await expect.poll(() => invalid.count(), POLL).toBe(1);
    const text = (await invalid.textContent()) ?? "";
    expect(text).toContain("examples/invalid.yaml:7");
    expect(text).toContain("spec.regex: invalid RE2 regular expression");
    expect(text).toContain('spec.timeout: invalid duration "3 seconds"');
    expect(text).toContain("spec.tiemout: unknown field");
    // Highlighted as an error, not shown like the accepted resources.
    expect(await invalid.evaluate((e) => getComputedStyle(e).borderLeftColor)).toBe("rgb(220, 38, 38)");
  });

  it("filters hosts, routes and errors by the search box", async () => {
    const search = page.locator("#search");
    await search.fill("shop");
    await expect.poll(() => route("default/echo").count(), POLL).toBe(0);
    expect(await route("default/shop").count()).toBeGreaterThan(0);
    expect(await page.locator("[data-testid=invalid-resource]").count()).toBe(0);
    await search.fill("RE2");
    await expect.poll(() => page.locator("[data-testid=invalid-resource]").count(), POLL).toBe(1);
    expect(await route("default/shop").count()).toBe(0);
    await search.fill("");
    await expect.poll(() => route("default/echo").count(), POLL).toBeGreaterThan(0);
  });

  it("refreshes live: a new Mapping appears without a reload, and expanded filter settings stay open", async () => {
    // The first test expanded default/hello's filter settings (in the first host).
    const expanded = () => route("default/hello").first().locator("details.filter", { hasText: "default/hello" });
    expect(await expanded().getAttribute("open")).not.toBeNull();
    writeScratch("live.yaml", mapping("live-orders", { prefix: "/orders/", service: "http://127.0.0.1:9001" }));
    await expect.poll(() => route("default/live-orders").count(), POLL).toBeGreaterThan(0);
    // The refresh that brought the new route re-rendered the page; the user's expanded
    // settings must survive it.
    expect(await expanded().getAttribute("open")).not.toBeNull();
  });

  it("logs one JSON line per config batch with its counts and duration", () => {
    const batches = logLines.filter((l) => l.msg === "config batch translated");
    // The examples at start, then one batch per scratch file written so far (one).
    expect(batches.length).toBeGreaterThanOrEqual(2);
    const first = batches[0];
    expect(first).toMatchObject({ level: 30, revision: 1, invalid: 1, sourceErrors: 0 });
    expect(first.routes).toBeGreaterThan(10);
    expect(typeof first.durationMs).toBe("number");
    expect(logLines.some((l) => l.msg === "resource rejected" && l.resource === "Mapping default/broken")).toBe(true);
  });

  it("shows a file that is not even valid YAML, and drops it once fixed", async () => {
    writeScratch("typo.yaml", "apiVersion: attache.dev/v1alpha1\nkind: Mapping\nmetadata: {name: typo\nspec: {}\n");
    const unreadable = page.locator("[data-testid=unreadable-document]");
    await expect.poll(() => unreadable.count(), POLL).toBe(1);
    const text = (await unreadable.textContent()) ?? "";
    expect(text).toMatch(/typo\.yaml:\d+/);
    expect(text).toContain("invalid YAML");
    writeScratch("typo.yaml", mapping("typo", { prefix: "/typo/", service: "http://127.0.0.1:9001" }));
    await expect.poll(() => unreadable.count(), POLL).toBe(0);
    expect(await route("default/typo").count()).toBeGreaterThan(0);
  });

  it("shows a proxy that NACKed in /debug/clients and highlights it on the page", async () => {
    const nacker = new DeltaTestClient(`127.0.0.1:${stack.ports.xds}`, { id: "nacking-proxy", cluster: "edge" });
    nackers.push(nacker);
    nacker.request({ type_url: TYPE_URL.cluster });
    const response = await nacker.next();
    nacker.request({ type_url: TYPE_URL.cluster, response_nonce: response.nonce, error_detail: { code: 3, message: NACK_MESSAGE } });

    let clients: any[] = [];
    await eventually(async () => {
      clients = await (await fetch(`${admin}/debug/clients`)).json();
      return clients.some((c) => c.id === "nacking-proxy" && c.lastNack);
    });
    const nacking = clients.find((c) => c.id === "nacking-proxy");
    expect(nacking.lastNack).toMatchObject({ typeUrl: TYPE_URL.cluster, version: response.system_version_info, message: NACK_MESSAGE });
    expect(nacking.acked[TYPE_URL.cluster]).toBeUndefined();
    const devproxy = clients.find((c) => c.id === "attache-devproxy");
    expect(devproxy.lastNack).toBeUndefined();

    // One structured warning per NACK, naming the proxy, the type and Envoy's reason.
    const nackLogs = logLines.filter((l) => l.msg === "xDS NACK" && l.node === "nacking-proxy");
    expect(nackLogs).toHaveLength(1);
    expect(nackLogs[0]).toMatchObject({ level: 40, type: TYPE_URL.cluster, error: NACK_MESSAGE });

    const row = page.locator("[data-testid=client]", { hasText: "nacking-proxy" });
    await expect.poll(() => row.count(), POLL).toBe(1);
    expect(await row.getAttribute("class")).toContain("nack");
    expect(await row.textContent()).toContain(NACK_MESSAGE);
    expect(await page.locator("[data-testid=client]", { hasText: "attache-devproxy" }).getAttribute("class")).not.toContain("nack");
    // The proxy still rejects the latest Cluster version, so the page says so above everything.
    const banner = page.locator("[data-testid=nack-banner]");
    expect(await banner.count()).toBe(1);
    expect(await banner.textContent()).toContain("nacking-proxy");

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "diagnostics.png"), fullPage: true });
  });

  it("drops the banner once that proxy ACKs a newer version, keeping its last NACK in the table", async () => {
    const nacker = nackers[0];
    // A new upstream means a new Cluster version for every proxy.
    writeScratch("new-upstream.yaml", mapping("billing", { prefix: "/billing/", service: "http://127.0.0.1:9004" }));
    const update = await nacker.next(8000);
    expect(update.resources.map((r) => r.name)).toContain("url/127.0.0.1:9004");
    nacker.ack(update);
    await expect.poll(() => page.locator("[data-testid=nack-banner]").count(), POLL).toBe(0);
    const row = page.locator("[data-testid=client]", { hasText: "nacking-proxy" });
    expect(await row.textContent()).toContain(NACK_MESSAGE);
    expect(await row.textContent()).toContain(`Cluster: ${update.system_version_info.slice(0, 8)}`);
  });
});
