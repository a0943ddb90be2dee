// The Kubernetes source: informers (list + watch) for Attaché's CRDs, Emissary's CRDs when
// installed, Services (and their `attache.dev/config` annotations), EndpointSlices, TLS
// Secrets and ConfigMaps, in all namespaces or a configured list. Changes are batched
// (the first change of a batch starts a short timer; later ones join it) into one immutable
// ResourceBundle, the same type the file source produces. The first bundle waits until
// every informer has listed once, so the gateway never serves a partial configuration.
// Unchanged resources keep their object identity from one bundle to the next (the model
// caches by identity), and each bundle says whether only EndpointSlices changed, so the
// runner can push endpoints (EDS) without re-running the model.
import { CustomObjectsApi, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import type { BundleResource, KubeObject, ResourceBundle, SourceError } from "../bundle.ts";
import { convertForCluster, isEmissaryObject } from "../../compat/emissary/convert.ts";
import { CONFIG_ANNOTATION, EMISSARY_CONFIG_ANNOTATION, parseConfigAnnotation } from "./annotations.ts";
import { ResilientInformer } from "./informer.ts";
import { belongsTo, DEFAULT_INSTANCE } from "./instance.ts";
import { referencesOf } from "./references.ts";
import { ATTACHE_KINDS, EMISSARY_KINDS, kindKey, KUBERNETES_WATCHED, type WatchedKind } from "./watched-kinds.ts";

export interface BundleChange {
  /** True when only EndpointSlices changed since the previous bundle. */
  endpointsOnly: boolean;
  /** "<namespace>/<service>" of every Service whose EndpointSlices changed. */
  endpointServices: ReadonlySet<string>;
}

export interface KubernetesSourceOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; default all. */
  namespaces?: string[];
  /** Instance id (Emissary's ambassador_id); default "default". */
  instance?: string;
  /** Batch window in ms; default 25. */
  debounceMs?: number;
  /** Read getambassador.io/v3alpha1 Mapping/Host/AuthService: "auto" (default) when the API
   *  server serves them, true always, false never. */
  emissary?: boolean | "auto";
  onBundle(bundle: ResourceBundle, change: BundleChange): void;
  /** Informer failures (each is retried with backoff). */
  onError?(message: string): void;
}

type Obj = Record<string, unknown>;
interface Section {
  resources: BundleResource[];
  errors: SourceError[];
}
const keyOf = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
const SLICE_SERVICE_LABEL = "kubernetes.io/service-name";

/** An object without what status writes touch (status, resourceVersion, managedFields). */
function withoutStatus(obj: KubernetesObject): string {
  const { status: _s, metadata, ...rest } = obj as KubernetesObject & { status?: unknown };
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata ?? {};
  return JSON.stringify({ ...rest, metadata: meta });
}

export class KubernetesSource {
  private readonly informers: ResilientInformer[] = [];
  /** What goes into bundles, by kind then "<namespace>/<name>". */
  private readonly objects = new Map<string, Map<string, KubernetesObject>>();
  /** The newest version of every object, status included (for the status writer). */
  private readonly latest = new Map<string, Map<string, KubernetesObject>>();
  /** Derived documents (annotations, Emissary conversions), cached per source object. */
  private readonly derived = new WeakMap<object, { resources: BundleResource[]; errors: SourceError[] }>();
  private readonly wrappers = new WeakMap<object, BundleResource>();
  private changedKinds = new Set<string>();
  private changedServices = new Set<string>();
  private timer?: NodeJS.Timeout;
  private revision = 0;
  /** The bundle most recently emitted. */
  lastBundle?: ResourceBundle;
  private started = false;
  private readonly instance: string;

  constructor(private readonly options: KubernetesSourceOptions) {
    this.instance = options.instance ?? DEFAULT_INSTANCE;
  }

  /** Starts every informer; resolves once all have listed and the first bundle is out. */
  async start(): Promise<ResourceBundle> {
    const kinds = [...ATTACHE_KINDS, ...KUBERNETES_WATCHED, ...((await this.watchEmissary()) ? EMISSARY_KINDS : [])];
    for (const kind of kinds) {
      this.objects.set(kindKey(kind), new Map());
      this.latest.set(kindKey(kind), new Map());
      for (const namespace of this.options.namespaces ?? [undefined]) this.informers.push(this.informerFor(kind, namespace));
    }
    await Promise.all(this.informers.map((i) => i.start()));
    await Promise.all(this.informers.map((i) => i.waitForSync()));
    this.started = true;
    clearTimeout(this.timer);
    return this.flush();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** The object as last seen, for the status writer (current status, generation). */
  current(apiVersion: string, kind: string, namespace: string, name: string): KubernetesObject | undefined {
    return this.latest.get(`${apiVersion}/${kind}`)?.get(`${namespace}/${name}`);
  }

  private async watchEmissary(): Promise<boolean> {
    const mode = this.options.emissary ?? "auto";
    if (mode !== "auto") return mode;
    try {
      const api = this.options.kubeConfig.makeApiClient(CustomObjectsApi);
      const served = await api.getAPIResources({ group: "getambassador.io", version: "v3alpha1" });
      return served.resources.some((r) => r.kind === "Mapping");
    } catch (err) {
      if ((err as { code?: number }).code === 404) return false;
      throw err;
    }
  }

  private informerFor(kind: WatchedKind, namespace: string | undefined): ResilientInformer {
    const store = this.objects.get(kindKey(kind))!;
    const latest = this.latest.get(kindKey(kind))!;
    return new ResilientInformer(this.options.kubeConfig, { ...kind, namespace }, {
      upsert: (obj) => {
        latest.set(keyOf(obj), obj);
        // A status-only write (ours, mostly) changes no input: keep the bundled object, so
        // it neither starts a batch nor misses the model's per-object cache.
        const previous = store.get(keyOf(obj));
        if (previous && withoutStatus(previous) === withoutStatus(obj)) return;
        store.set(keyOf(obj), obj);
        this.changed(kind, obj);
      },
      remove: (obj) => {
        latest.delete(keyOf(obj));
        store.delete(keyOf(obj));
        this.changed(kind, obj);
      },
      error: (err, retryInMs) =>
        this.options.onError?.(`watch ${kind.apiVersion} ${kind.kind}${namespace ? ` in ${namespace}` : ""}: ${(err as Error)?.message ?? String(err)}; retrying in ${retryInMs} ms`),
    });
  }

  private changed(kind: WatchedKind, obj: KubernetesObject): void {
    this.changedKinds.add(kind.kind);
    if (kind.kind === "EndpointSlice") {
      const service = obj.metadata?.labels?.[SLICE_SERVICE_LABEL];
      if (service) this.changedServices.add(`${obj.metadata?.namespace}/${service}`);
    }
    if (this.started && !this.timer) {
      this.timer = setTimeout(() => this.flush(), this.options.debounceMs ?? 25);
      this.timer.unref?.();
    }
  }

  private flush(): ResourceBundle {
    this.timer = undefined;
    const change: BundleChange = {
      endpointsOnly: this.revision > 0 && this.changedKinds.size === 1 && this.changedKinds.has("EndpointSlice"),
      endpointServices: this.changedServices,
    };
    const changedKinds = this.changedKinds;
    this.changedKinds = new Set();
    this.changedServices = new Set();
    const bundle = this.buildBundle(changedKinds);
    this.lastBundle = bundle;
    this.options.onBundle(bundle, change);
    return bundle;
  }

  private wrap(object: KubernetesObject): BundleResource {
    let wrapper = this.wrappers.get(object);
    if (!wrapper) this.wrappers.set(object, (wrapper = Object.freeze({ object: object as KubeObject })));
    return wrapper;
  }

  private list(kinds: WatchedKind[]): KubernetesObject[] {
    return kinds.flatMap((k) => [...(this.objects.get(kindKey(k))?.values() ?? [])]);
  }

  /** Bundle sections, rebuilt only when a kind they read changed (an endpoint-only batch
   *  rebuilds just the EndpointSlice list). */
  private sections?: { config: Section; slices: BundleResource[]; referenced: BundleResource[] };

  private buildBundle(changed: ReadonlySet<string>): ResourceBundle {
    const configChanged = !this.sections || ["Mapping", "Host", "WasmFilter", "AuthService", "Service"].some((k) => changed.has(k));
    const config = configChanged ? this.configSection() : this.sections!.config;
    const slices = !this.sections || changed.has("EndpointSlice") ? this.values("EndpointSlice").map((o) => this.wrap(o)) : this.sections.slices;
    let referenced = this.sections?.referenced ?? [];
    if (configChanged || changed.has("Secret") || changed.has("ConfigMap")) {
      const refs = referencesOf(config.resources.map((r) => r.object as KubeObject));
      referenced = [
        ...this.values("Secret").filter((o) => refs.secrets.has(keyOf(o))),
        ...this.values("ConfigMap").filter((o) => refs.configMaps.has(keyOf(o))),
      ].map((o) => this.wrap(o));
    }
    this.sections = { config, slices, referenced };
    const resources = [...config.resources, ...slices, ...referenced];
    return Object.freeze({ revision: ++this.revision, resources: Object.freeze(resources), errors: Object.freeze(config.errors) });
  }

  private values(kind: string): KubernetesObject[] {
    return [...(this.objects.get(kindKey(KUBERNETES_WATCHED.find((k) => k.kind === kind)!))?.values() ?? [])];
  }

  /** Our CRDs, converted Emissary CRDs, Services and the documents in their annotations. */
  private configSection(): Section {
    const resources: BundleResource[] = [];
    const errors: SourceError[] = [];
    for (const obj of this.list(ATTACHE_KINDS)) if (belongsTo(obj, this.instance)) resources.push(this.wrap(obj));
    for (const obj of this.list(EMISSARY_KINDS)) {
      if (!belongsTo(obj, this.instance)) continue;
      const derived = this.derive(obj, () => this.convertEmissary(obj as Obj, `${obj.kind} ${keyOf(obj)} (${obj.apiVersion})`));
      resources.push(...derived.resources);
      errors.push(...derived.errors);
    }
    for (const service of this.values("Service")) {
      resources.push(this.wrap(service));
      const annotations = service.metadata?.annotations ?? {};
      if (!annotations[CONFIG_ANNOTATION] && !annotations[EMISSARY_CONFIG_ANNOTATION]) continue;
      const derived = this.derive(service, () => this.annotationDocuments(service));
      resources.push(...derived.resources.filter((r) => belongsTo(r.object, this.instance)));
      errors.push(...derived.errors);
    }
    return { resources, errors };
  }

  private derive(obj: object, compute: () => { resources: BundleResource[]; errors: SourceError[] }) {
    let result = this.derived.get(obj);
    if (!result) this.derived.set(obj, (result = compute()));
    return result;
  }

  private convertEmissary(obj: Obj, file: string, line = 1): { resources: BundleResource[]; errors: SourceError[] } {
    const result = convertForCluster(obj);
    const errors = result.errors.map((message) => ({ location: { file, line }, message }));
    return { resources: result.object ? [Object.freeze({ object: Object.freeze(result.object) as KubeObject, location: { file, line } })] : [], errors };
  }

  private annotationDocuments(service: KubernetesObject) {
    const resources: BundleResource[] = [];
    const errors: SourceError[] = [];
    const meta = { namespace: service.metadata?.namespace ?? "default", name: service.metadata?.name ?? "" };
    for (const annotation of [CONFIG_ANNOTATION, EMISSARY_CONFIG_ANNOTATION]) {
      const text = service.metadata?.annotations?.[annotation];
      if (!text) continue;
      const parsed = parseConfigAnnotation(text, meta, annotation);
      errors.push(...parsed.errors);
      for (const doc of parsed.resources) {
        if (!isEmissaryObject(doc.object)) {
          resources.push(doc);
          continue;
        }
        const converted = this.convertEmissary(doc.object as Obj, doc.location!.file, doc.location!.line);
        resources.push(...converted.resources);
        errors.push(...converted.errors);
      }
    }
    return { resources, errors };
  }
}
