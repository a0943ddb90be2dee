// The control plane's change pipeline: each ResourceBundle from a source goes through the
// model and the translator (both pure) and the result is published: Envoy resources to the
// xDS server, statuses to diagnostics (and, in a cluster, the status writer). A batch never
// aborts on bad input: invalid resources carry their errors in status, the rest routes. A
// batch that throws anyway (a bug) keeps the previous config in force and shows the error with
// the source errors, on the diagnostics page and in the log.
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { GatewayIR } from "../ir/types.ts";
import { buildModelSteps, createModelCache, type ModelOptions, type ResourceStatus } from "../model/index.ts";
import type { BundleResource, ResourceBundle, SourceError } from "../sources/bundle.ts";
import { translateSteps, type XdsResources } from "../translate/index.ts";
import type { ControlPlaneMetrics } from "../admin/metrics.ts";
import { ModuleDelivery, type ModuleSource, type UnavailableModule } from "../modules/delivery.ts";
import { runInSlices, runToEnd } from "./slices.ts";

export interface PipelineResult {
  revision: number;
  ir: GatewayIR;
  statuses: ResourceStatus[];
  resources: XdsResources;
  /** Documents the source could not read (bad YAML); diagnostics shows them with the invalid. */
  sourceErrors: readonly SourceError[];
  durationMs: number;
  /** The model was built from scratch, not patched from the last one (model/incremental). */
  fullBuild: boolean;
  /** Each input's spec (or data) by "<kind>/<namespace>/<name>": what identifies its content. */
  specs: ReadonlyMap<string, unknown>;
  /** performance.now() when this result was produced. */
  at: number;
}

export interface PipelineOptions {
  model: Omit<ModelOptions, "cache">;
  /** Resources added to every bundle (e.g. the dev command's generated TLS Secret). */
  extraResources?: BundleResource[];
  logger?: Logger;
  metrics?: ControlPlaneMetrics;
  /** Wasm modules to inline into the ECDS resources (modules/delivery.ts); without it the
   *  resources name modules by URL + sha256 as the translator emits them, which Envoy cannot
   *  serve to more than one HCM (test/envoy/tls-hosts-wasm.test.ts): only for tests that
   *  read the resources. */
  modules?: ModuleSource;
}

/** `attache.wasm/<namespace>/<name>` is WasmFilter <namespace>/<name> (translate/wasm.ts). */
function wasmFilterRef(filter: string): { namespace: string; name: string } | undefined {
  const m = /^attache\.wasm\/([^/_][^/]*)\/([^/]+)$/.exec(filter);
  return m ? { namespace: m[1], name: m[2] } : undefined;
}

/** A WasmFilter whose module the control plane cannot deliver: ResolvedRefs=False with why. */
function withModuleProblems(statuses: ResourceStatus[], unavailable: readonly UnavailableModule[]): ResourceStatus[] {
  if (!unavailable.length) return statuses;
  const byRef = new Map(unavailable.flatMap((u) => {
    const ref = wasmFilterRef(u.filter);
    return ref ? [[`${ref.namespace}/${ref.name}`, u] as const] : [];
  }));
  return statuses.map((s) => {
    const problem = s.ref.kind === "WasmFilter" ? byRef.get(`${s.ref.namespace}/${s.ref.name}`) : undefined;
    if (!problem) return s;
    const message = `WasmFilter ${s.ref.namespace}/${s.ref.name}: spec.module: not delivered to proxies (they keep the previous module, if any): ${problem.message}`;
    const conditions = s.conditions.map((c) => (c.type === "ResolvedRefs" ? { ...c, status: "False" as const, reason: "ModuleUnavailable", message } : c));
    return { ...s, conditions, errors: [...s.errors, message] };
  });
}

export class Pipeline extends EventEmitter {
  private cache = createModelCache();
  private readonly delivery?: ModuleDelivery;
  latest?: PipelineResult;

  constructor(private readonly options: PipelineOptions) {
    super();
    if (options.modules) this.delivery = new ModuleDelivery(options.modules);
  }


  /** The bundle's model + translation at once (the event loop waits for it). */
  apply(bundle: ResourceBundle): PipelineResult {
    if (this.slicedRuns) throw new Error("Pipeline.apply while applyInSlices runs: apply bundles in order");
    return runToEnd(this.attempt(bundle));
  }

  /** The same in slices: the event loop turns between them (runner/slices.ts), so a full
   *  build of a large configuration does not stall the xDS streams' keepalives. Calls run one
   *  after another, in the order made. durationMs then includes the pauses. */
  applyInSlices(bundle: ResourceBundle): Promise<PipelineResult> {
    this.slicedRuns++;
    const run = this.queue.then(() => runInSlices(this.attempt(bundle))).finally(() => this.slicedRuns--);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** applyInSlices calls not finished yet. */
  private slicedRuns = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private *attempt(bundle: ResourceBundle): Generator<void, PipelineResult, void> {
    try {
      return yield* this.run(bundle);
    } catch (error) {
      const message = `internal error translating revision ${bundle.revision}, previous config kept: ${(error as Error).message}`;
      this.options.logger?.error({ revision: bundle.revision, error: (error as Error).stack }, "config batch failed");
      this.cache = createModelCache(); // a batch that threw may have left it half-updated
      const sourceErrors = [...bundle.errors, { location: { file: "(pipeline)", line: 0 }, message }];
      // Nothing translated yet: start from no resources rather than not at all.
      const previous = this.latest ?? runToEnd(this.run({ revision: bundle.revision, resources: [], errors: [] }));
      this.latest = { ...previous, revision: bundle.revision, sourceErrors };
      return this.latest;
    }
  }

  private *run(bundle: ResourceBundle): Generator<void, PipelineResult, void> {
    const started = performance.now();
    const input: ResourceBundle = this.options.extraResources?.length
      ? { ...bundle, resources: [...bundle.resources, ...this.options.extraResources] }
      : bundle;
    const remoteModules = this.options.modules?.unavailable?.();
    // Which filters the proxies run matters only for a module that is missing: passed only
    // then, so the set growing with the first delivery does not void the model's cache (the
    // next change would be a full build).
    const modulesOnProxies = remoteModules?.size ? this.delivery?.filtersWithModule() : undefined;
    const stateBefore = this.cache.state;
    const model = yield* buildModelSteps(input, { ...this.options.model, remoteModules, modulesOnProxies, cache: this.cache });
    const fullBuild = stateBefore === undefined || this.cache.state !== stateBefore;
    const { ir } = model;
    yield;
    const translated = yield* translateSteps(ir);
    yield;
    const delivered = this.delivery?.deliver(translated);
    const resources = delivered?.resources ?? translated;
    const statuses = withModuleProblems(model.statuses, delivered?.unavailable ?? []);
    const durationMs = performance.now() - started;
    // Built on first read (diagnostics' Programmed tracking): at 100,000 resources a Map of
    // every spec per change costs more than the model and translation of that change.
    let specs: ReadonlyMap<string, unknown> | undefined;
    const result: PipelineResult = {
      revision: bundle.revision, ir, statuses, resources, sourceErrors: bundle.errors, durationMs, fullBuild, at: performance.now(),
      get specs() { return (specs ??= specsOf(input)); },
    };
    this.latest = result;

    // One pass, no allocation per status: this runs over every resource on every change.
    const invalid: ResourceStatus[] = [];
    const counts = new Map<string, Map<string, number>>();
    for (const s of statuses) {
      const accepted = acceptedOf(s);
      if (accepted === "False") invalid.push(s);
      let byAccepted = counts.get(s.ref.kind);
      if (!byAccepted) counts.set(s.ref.kind, (byAccepted = new Map()));
      byAccepted.set(accepted, (byAccepted.get(accepted) ?? 0) + 1);
    }
    this.options.metrics?.batches.inc();
    this.options.metrics?.translationSeconds.observe(durationMs / 1000);
    this.options.metrics?.setResourceCounts([...counts].flatMap(([kind, byAccepted]) => [...byAccepted].map(([accepted, count]) => ({ kind, accepted, count }))));
    this.options.logger?.info({
      revision: bundle.revision,
      resources: statuses.length,
      invalid: invalid.length,
      sourceErrors: bundle.errors.length,
      routes: ir.virtualHosts.reduce((n, v) => n + v.routes.length, 0),
      clusters: ir.clusters.length,
      durationMs: Math.round(durationMs * 100) / 100,
      fullBuild,
    }, "config batch translated");
    for (const s of invalid) this.options.logger?.warn({ resource: `${s.ref.kind} ${s.ref.namespace}/${s.ref.name}`, location: s.location, errors: s.errors }, "resource rejected");
    for (const e of bundle.errors) this.options.logger?.warn({ location: e.location, error: e.message }, "source error");
    this.emit("result", result);
    return result;
  }
}

function specsOf(input: ResourceBundle): ReadonlyMap<string, unknown> {
  return new Map(input.resources.map(({ object }) => [
    `${object.kind}/${object.metadata?.namespace ?? "default"}/${object.metadata?.name}`,
    (object as { spec?: unknown }).spec ?? object,
  ]));
}

function acceptedOf(s: ResourceStatus): string {
  for (const c of s.conditions) if (c.type === "Accepted") return c.status;
  return "Unknown";
}
