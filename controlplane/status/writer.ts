// Status write-back: every Attaché resource gets `status.conditions` (Accepted and
// ResolvedRefs from the model, Programmed from proxy ACK/NACK), written through the status
// subresource with a JSON merge patch, only by the elected leader, only when something
// other than lastTransitionTime differs from what the object already carries (or from what
// we last wrote, while the watch catches up), through a token bucket. Resources converted
// from Emissary get Emissary's own status shape ({state, reason}) on the Emissary object.
// A condition turning False also produces a Warning Event on the resource.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import type { ResourceRef } from "../ir/types.ts";
import type { Condition, ResourceStatus } from "../model/index.ts";
import type { KubeObject, ResourceBundle } from "../sources/bundle.ts";
import { CONVERSION_WARNINGS, CONVERTED_FROM } from "../compat/emissary/convert.ts";
import { conditionsOf, mergeConditions, sameConditions } from "./conditions.ts";
import type { ProgrammedTracker } from "./programmed.ts";
import { TokenBucket } from "./rate-limit.ts";

export interface StatusWriterOptions {
  kubeConfig: KubeConfig;
  /** The object as the source last saw it (current status, uid), or undefined. */
  lookup(apiVersion: string, kind: string, namespace: string, name: string): KubernetesObject | undefined;
  programmed?: ProgrammedTracker;
  writesPerSecond?: number; // default 20
  burst?: number; // default 50
  now?: () => string;
  onError?(message: string): void;
}

type Obj = Record<string, unknown>;
interface Job {
  key: string;
  run: () => Promise<void>;
}

const ATTACHE = "attache.dev/v1alpha1";
const PLURALS: Record<string, string> = { Mapping: "mappings", Host: "hosts", WasmFilter: "wasmfilters", AuthService: "authservices" };
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const keyOf = (ref: ResourceRef) => `${ref.kind}/${ref.namespace}/${ref.name}`;

export class StatusWriter {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly bucket: TokenBucket;
  private readonly queue = new Map<string, Job>();
  private readonly written = new Map<string, string>();
  private draining?: Promise<void>;
  private leader = false;
  private latest?: { statuses: readonly ResourceStatus[]; objects: Map<string, KubeObject> };
  /** Counters for diagnostics and tests. */
  readonly stats = { patches: 0, events: 0, skipped: 0 };

  constructor(private readonly options: StatusWriterOptions) {
    this.custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.bucket = new TokenBucket(options.writesPerSecond ?? 20, options.burst ?? 50);
  }

  /** Called on leader election changes; a new leader re-checks every resource. */
  setLeader(leader: boolean): void {
    this.leader = leader;
    this.written.clear();
    if (!leader) this.queue.clear();
    else this.reconcile();
  }

  /** A new pipeline result. */
  update(bundle: ResourceBundle, statuses: readonly ResourceStatus[]): void {
    const objects = new Map<string, KubeObject>();
    for (const r of bundle.resources) {
      const o = r.object as KubeObject;
      objects.set(`${o.kind}/${o.metadata?.namespace ?? "default"}/${o.metadata?.name}`, o);
    }
    this.latest = { statuses, objects };
    this.reconcile();
  }

  /** Proxy ACK/NACK changed what Programmed says. */
  reconcile(): void {
    if (!this.leader || !this.latest) return;
    const planned = new Set<string>();
    for (const status of this.latest.statuses) {
      if (!PLURALS[status.ref.kind]) continue;
      planned.add(this.plan(status, this.latest.objects.get(keyOf(status.ref))));
    }
    // Forget what we wrote to resources that are gone.
    for (const key of this.written.keys()) if (!planned.has(key)) this.written.delete(key);
    this.drain();
  }

  /** Resolves when every queued write has been made. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private desired(status: ResourceStatus, warnings: string[]): Condition[] {
    const now = this.options.now?.() ?? new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const conditions = status.conditions.map((c) => ({ ...c }));
    const accepted = conditions.find((c) => c.type === "Accepted");
    if (accepted && warnings.length) accepted.message += `; converted from Emissary with warnings: ${warnings.join("; ")}`;
    const base = { observedGeneration: accepted?.observedGeneration, lastTransitionTime: now };
    if (base.observedGeneration === undefined) delete base.observedGeneration;
    const programmed = accepted?.status !== "True"
      ? { status: "False" as const, reason: "Invalid", message: "Not programmed: the resource is not accepted" }
      : (this.options.programmed?.stateOf(status.ref) ?? { status: "Unknown" as const, reason: "Pending", message: "Proxy acknowledgements are not tracked" });
    conditions.push({ type: "Programmed", ...programmed, ...base });
    return conditions;
  }

  /** Queues a write if the resource needs one; returns its key. */
  private plan(status: ResourceStatus, bundleObject: KubeObject | undefined): string {
    const annotations = (bundleObject?.metadata?.annotations ?? {}) as Record<string, string>;
    const apiVersion = annotations[CONVERTED_FROM] ?? ATTACHE;
    const { kind, namespace, name } = status.ref;
    const key = `${apiVersion}/${keyOf(status.ref)}`;
    const live = this.options.lookup(apiVersion, kind, namespace, name);
    if (!live) return key; // from an annotation, or deleted meanwhile: nothing to write to
    const warnings = annotations[CONVERSION_WARNINGS] ? (JSON.parse(annotations[CONVERSION_WARNINGS]) as string[]) : [];
    const existing = conditionsOf(live);
    const conditions = mergeConditions(existing, this.desired(status, warnings));
    const body = apiVersion === ATTACHE ? { conditions } : emissaryStatus(conditions);
    const fingerprint = JSON.stringify(apiVersion === ATTACHE ? conditions.map(({ lastTransitionTime: _t, ...c }) => c) : body);
    const unchanged = apiVersion === ATTACHE ? sameConditions(existing, conditions) : sameEmissary((live as Obj).status, body);
    if (unchanged || this.written.get(key) === fingerprint) {
      this.stats.skipped++;
      return key;
    }
    const failures = conditions.filter((c) => c.status === "False" && existing?.find((e) => e.type === c.type)?.status !== "False");
    const [group, version] = apiVersion.split("/");
    this.queue.set(key, {
      key,
      run: async () => {
        try {
          await this.custom.patchNamespacedCustomObjectStatus({ group, version, plural: PLURALS[kind], namespace, name, body: { status: body } }, merge);
          this.written.set(key, fingerprint);
          this.stats.patches++;
        } catch (err) {
          if ((err as { code?: number }).code !== 404) this.options.onError?.(`status of ${kind} ${namespace}/${name}: ${(err as Error).message}`);
          return;
        }
        for (const condition of failures) await this.event(live, apiVersion, condition);
      },
    });
    return key;
  }

  private async event(live: KubernetesObject, apiVersion: string, condition: Condition): Promise<void> {
    const meta = live.metadata ?? {};
    const now = new Date();
    await this.bucket.take();
    try {
      await this.core.createNamespacedEvent({
        namespace: meta.namespace ?? "default",
        body: {
          metadata: { generateName: `${meta.name}.`, namespace: meta.namespace },
          involvedObject: { apiVersion, kind: live.kind, name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion },
          type: "Warning",
          reason: condition.reason,
          message: `${condition.type}: ${condition.message}`,
          source: { component: "attache" },
          reportingComponent: "attache.dev/status-writer",
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      this.stats.events++;
    } catch (err) {
      this.options.onError?.(`event for ${live.kind} ${meta.namespace}/${meta.name}: ${(err as Error).message}`);
    }
  }

  private drain(): void {
    if (this.draining || this.queue.size === 0) return;
    this.draining = (async () => {
      while (this.queue.size && this.leader) {
        const [key, job] = this.queue.entries().next().value as [string, Job];
        this.queue.delete(key);
        await this.bucket.take();
        await job.run();
      }
      this.draining = undefined;
    })();
  }
}

/** Emissary's CRDs define status as {state: Running|Inactive, reason}. */
function emissaryStatus(conditions: Condition[]): Obj {
  const accepted = conditions.find((c) => c.type === "Accepted");
  if (accepted?.status === "True") return { state: "Running", reason: accepted.message };
  return { state: "Inactive", reason: conditions.filter((c) => c.status === "False").map((c) => `${c.type}: ${c.message}`).join("; ") };
}

function sameEmissary(current: unknown, next: Obj): boolean {
  const c = (current ?? {}) as Obj;
  return c.state === next.state && c.reason === next.reason;
}
