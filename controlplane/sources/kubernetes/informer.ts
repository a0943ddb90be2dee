// One list+watch of one kind (in all namespaces or one), on @kubernetes/client-node's
// ListWatch. The library relists on 410 Gone and resumes a closed watch from its last
// resourceVersion, but on any other failure (connection reset, 5xx, list error) it reports
// an error and stops; this wrapper restarts it with capped exponential backoff and jitter,
// the way client-go's reflector does (k8s.io/client-go/tools/cache/reflector.go).
import { KubernetesObjectApi, ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from "@kubernetes/client-node";

export interface InformerTarget {
  apiVersion: string; // "v1", "attache.dev/v1alpha1"
  kind: string;
  plural: string;
  namespace?: string; // undefined: all namespaces
  labelSelector?: string;
  fieldSelector?: string;
}

export interface InformerEvents {
  /** ADDED/MODIFIED (after the first list too). The object is normalized: kind/apiVersion set. */
  upsert(obj: KubernetesObject): void;
  remove(obj: KubernetesObject): void;
  /** Reported once per failure; the informer retries by itself. */
  error(err: unknown, retryInMs: number): void;
}

export const collectionPath = (t: InformerTarget): string => {
  const root = t.apiVersion.includes("/") ? `/apis/${t.apiVersion}` : `/api/${t.apiVersion}`;
  return t.namespace ? `${root}/namespaces/${t.namespace}/${t.plural}` : `${root}/${t.plural}`;
};

const INITIAL_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 30_000;

export class ResilientInformer {
  private readonly listWatch: ListWatch<KubernetesObject>;
  private stopped = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private syncedOnce = false;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(
    kubeConfig: KubeConfig,
    readonly target: InformerTarget,
    private readonly events: InformerEvents,
  ) {
    const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    // List items of built-in kinds come without kind/apiVersion (as from kube-apiserver);
    // set them so every consumer sees self-describing objects.
    const normalize = (obj: KubernetesObject): KubernetesObject =>
      obj.kind === target.kind && obj.apiVersion === target.apiVersion ? obj : { ...obj, apiVersion: target.apiVersion, kind: target.kind };
    const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const result = await objects.list(target.apiVersion, target.kind, target.namespace, undefined, undefined, undefined, target.fieldSelector, target.labelSelector);
      // ListWatch delivers the items right after this promise resolves (same microtask
      // run); count as synced only once they have been delivered.
      setImmediate(() => this.markSynced());
      this.failures = 0;
      return { ...result, items: result.items.map(normalize) };
    };
    this.listWatch = new ListWatch(collectionPath(target), new Watch(kubeConfig), list, false, target.labelSelector, target.fieldSelector);
    // Any delivered event means the server answers again: reset the backoff.
    this.listWatch.on("add", (obj) => ((this.failures = 0), events.upsert(normalize(obj))));
    this.listWatch.on("update", (obj) => ((this.failures = 0), events.upsert(normalize(obj))));
    this.listWatch.on("delete", (obj) => ((this.failures = 0), events.remove(normalize(obj))));
    this.listWatch.on("error", (err) => this.retry(err));
  }

  get synced(): boolean {
    return this.syncedOnce;
  }

  /** Resolves after the first successful list (whose items were delivered as upserts). */
  waitForSync(): Promise<void> {
    return this.syncedOnce ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listWatch.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.listWatch.stop();
  }

  private markSynced(): void {
    if (this.syncedOnce) return;
    this.syncedOnce = true;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private retry(err: unknown): void {
    if (this.stopped) return;
    const base = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** this.failures++);
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    this.events.error(err, delay);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      // start() keeps the last resourceVersion: the watch resumes, or relists on 410.
      if (!this.stopped) void this.listWatch.start();
    }, delay);
    this.retryTimer.unref?.();
  }
}
