// Leader election over a coordination.k8s.io/v1 Lease, following client-go's
// tools/leaderelection: a candidate creates the Lease or, when its holder stopped renewing
// for leaseDurationSeconds (measured on the local clock from when the record last
// changed, so clocks need not agree), takes it over with an optimistic-concurrency update
// (409 means another candidate won). The leader renews every retry period and steps down
// when it could not renew within the renew deadline; a graceful stop releases the Lease
// (empty holder) so another replica takes over at its next retry instead of waiting.
// Only the leader writes status; every replica serves xDS.
import { ApiException, CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from "@kubernetes/client-node";

export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string; // Lease name, e.g. "attache-status-writer"
  identity: string; // e.g. the pod name
  leaseDurationSeconds?: number; // default 15
  renewDeadlineMs?: number; // default 10 000
  retryPeriodMs?: number; // default 2 000
  onStartedLeading?(): void;
  onStoppedLeading?(): void;
  onError?(message: string): void;
}

const isCode = (err: unknown, code: number) => err instanceof ApiException && err.code === code;

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private leading = false;
  private stopped = true;
  private timer?: NodeJS.Timeout;
  private inflight?: Promise<void>;
  private lastRenew = 0;
  /** The holder/renewTime we last saw, and when (local clock) we saw it change. */
  private observed?: { record: string; at: number };

  constructor(private readonly options: LeaderElectorOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.runTick();
  }

  /** Stops campaigning; a leader releases the Lease unless `release` is false (a crash). */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A renewal still in flight would re-take the Lease after we release it.
    await this.inflight;
    if (this.leading && options.release !== false) await this.release();
    this.setLeading(false);
  }

  private get leaseDurationSeconds(): number {
    return this.options.leaseDurationSeconds ?? 15;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.runTick(), this.options.retryPeriodMs ?? 2000);
    this.timer.unref?.();
  }

  private runTick(): void {
    this.inflight = this.tick().finally(() => (this.inflight = undefined));
  }

  private async tick(): Promise<void> {
    try {
      const won = await this.tryAcquireOrRenew();
      if (won) this.lastRenew = Date.now();
      if (!this.stopped) this.setLeading(won || (this.leading && Date.now() - this.lastRenew < (this.options.renewDeadlineMs ?? 10_000)));
    } catch (err) {
      this.options.onError?.(`lease ${this.options.namespace}/${this.options.name}: ${(err as Error).message}`);
      if (this.leading && Date.now() - this.lastRenew >= (this.options.renewDeadlineMs ?? 10_000)) this.setLeading(false);
    }
    this.schedule();
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    if (leading) this.options.onStartedLeading?.();
    else this.options.onStoppedLeading?.();
  }

  private spec(now: Date, transitions: number, acquired?: Date): V1Lease["spec"] {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.leaseDurationSeconds,
      acquireTime: microTime(acquired ?? now),
      renewTime: microTime(now),
      leaseTransitions: transitions,
    };
  }

  /** One round of client-go's tryAcquireOrRenew; true when we hold the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ namespace, name });
    } catch (err) {
      if (!isCode(err, 404)) throw err;
      try {
        await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: this.spec(now, 0) } });
        return true;
      } catch (createErr) {
        if (isCode(createErr, 409)) return false; // another candidate created it first
        throw createErr;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    const record = `${holder}@${spec.renewTime ? new Date(spec.renewTime).toISOString() : ""}`;
    if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
    const duration = (spec.leaseDurationSeconds ?? this.leaseDurationSeconds) * 1000;
    const expired = holder === "" || this.observed.at + duration <= Date.now();
    if (holder !== identity && !expired) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    const acquired = holder === identity && spec.acquireTime ? new Date(spec.acquireTime) : now;
    try {
      // Carries metadata.resourceVersion: a concurrent writer makes this a 409.
      await this.api.replaceNamespacedLease({ namespace, name, body: { ...lease, spec: this.spec(now, transitions, acquired) } });
      return true;
    } catch (err) {
      if (isCode(err, 409)) return false;
      throw err;
    }
  }

  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    try {
      const lease = await this.api.readNamespacedLease({ namespace, name });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = microTime(new Date());
      await this.api.replaceNamespacedLease({
        namespace,
        name,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now, acquireTime: now } },
      });
    } catch (err) {
      this.options.onError?.(`releasing lease ${namespace}/${name}: ${(err as Error).message}`);
    }
  }
}

/** Lease times are metav1.MicroTime, which kube-apiserver parses only with six fractional
 *  digits ("2006-01-02T15:04:05.000000Z07:00"); a plain Date serializes with three and is
 *  refused with 400. */
function microTime(date: Date): V1MicroTime {
  return new V1MicroTime(date.getTime());
}
