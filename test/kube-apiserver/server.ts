// A protocol-faithful Kubernetes API server STAND-IN FOR TESTS. It is not a Kubernetes: no
// etcd, no admission, no authentication, no schema validation, no garbage collection, no
// finalizers, namespaces need not exist, strategic merge patch is treated as merge patch, and
// the event history is never compacted (it never answers 410 Gone).
// What it does speak is the wire protocol the gateway depends on, as kube-apiserver speaks
// it to @kubernetes/client-node: REST paths for core and grouped kinds (namespaced and
// all-namespaces lists, cluster-scoped kinds), `kind: XList` with metadata.resourceVersion,
// `?watch=true&resourceVersion=N` as a stream of newline-delimited JSON events
// (ADDED/MODIFIED/DELETED), label and field selectors, create/update/delete/patch with
// optimistic concurrency, the status subresource, metadata.generation, Leases, Events and
// discovery.
//
// WHY IT IS KEPT beside the real kube-apiserver (test/cluster proves status, Events, Lease
// failover, EndpointSlices, resuming after a partition and the 410 Gone relist after etcd
// compaction end to end): the unit tests of the informer, the source and the status writer
// need, in milliseconds and without Go-built tools, these faults the real server cannot
// produce on demand:
// - answering every request 503 until the test says otherwise (`unavailable`: the informer's
//   backoff; a real server only does so while it starts);
// - ending its open watch streams, gracefully or by TCP reset, while lists keep working and
//   the history stays (`dropWatches`: resume without relist);
// and, for assertions, a kind served from one moment to the next (`serve`: Emissary's CRDs,
// without waiting for Established) and a record of every request a client made (`requests`:
// no duplicate status PATCH, no watch of a kind whose CRD is missing).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { coreVersions, groupList, resourceList } from "./discovery.ts";
import { jsonPatch, mergePatch, PatchError } from "./patch.ts";
import { attacheTypes, builtinTypes, groupVersion, type ResourceType } from "./resources.ts";
import { parseFieldSelector, parseLabelSelector, SelectorError } from "./selector.ts";
import { ApiError, ObjectStore, typeKey, type KubeObject, type ObjectPredicate, type Watcher } from "./store.ts";

export interface RequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType?: string;
  body?: unknown;
}

interface Target {
  resource?: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  discovery?: object | null;
}

interface OpenWatch {
  response: ServerResponse;
  watcher: Watcher;
}

const statusBody = (code: number, reason: string, message: string) => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message,
  reason,
  code,
});

export class KubeApiStandIn {
  readonly store = new ObjectStore();
  readonly requests: RequestRecord[] = [];
  /** While true every request is answered 503, as during an API server restart. */
  unavailable = false;
  private readonly types = new Map<string, ResourceType>();
  private readonly watches = new Set<OpenWatch>();
  private server!: Server;
  url = "";

  static async start(types: ResourceType[] = [...builtinTypes, ...attacheTypes]): Promise<KubeApiStandIn> {
    const standIn = new KubeApiStandIn();
    for (const t of types) standIn.serve(t);
    standIn.server = createServer((req, res) => void standIn.handle(req, res));
    await new Promise<void>((resolve) => standIn.server.listen(0, "127.0.0.1", resolve));
    standIn.url = `http://127.0.0.1:${(standIn.server.address() as AddressInfo).port}`;
    return standIn;
  }

  /** Starts serving a kind (like installing its CRD). */
  serve(type: ResourceType): void {
    this.types.set(typeKey(type), type);
  }

  /** A kubeconfig for @kubernetes/client-node pointing at this server. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "stand-in", server: this.url, skipTLSVerify: true }],
      users: [{ name: "test" }],
      contexts: [{ name: "stand-in", cluster: "stand-in", user: "test" }],
      currentContext: "stand-in",
    });
    return kc;
  }

  typeOf(apiVersion: string, kind: string): ResourceType {
    for (const t of this.types.values()) if (groupVersion(t) === apiVersion && t.kind === kind) return t;
    throw new Error(`stand-in: ${apiVersion} ${kind} is not served`);
  }

  /** Writes straight to the store (no HTTP), for tests and benchmarks that seed many objects. */
  put(obj: KubeObject): KubeObject {
    const type = this.typeOf(obj.apiVersion, obj.kind);
    const ns = type.namespaced ? (obj.metadata.namespace ?? "default") : undefined;
    try {
      const current = this.store.get(type, ns, obj.metadata.name);
      return this.store.update(type, ns, obj.metadata.name, { ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion } });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return this.store.create(type, ns, obj);
      throw err;
    }
  }

  get openWatchCount(): number {
    return this.watches.size;
  }

  /** Ends every open watch stream; `abrupt` resets the TCP connections instead. */
  dropWatches(options: { abrupt?: boolean } = {}): number {
    const count = this.watches.size;
    for (const watch of [...this.watches]) {
      this.watches.delete(watch);
      this.store.watchers.delete(watch.watcher);
      if (options.abrupt) watch.response.socket?.destroy();
      else watch.response.end();
    }
    return count;
  }

  async close(): Promise<void> {
    this.dropWatches({ abrupt: true });
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(pathname: string): Target | null {
    const seg = pathname.split("/").filter(Boolean);
    let group: string;
    let version: string;
    let rest: string[];
    if (seg[0] === "api") {
      if (seg.length === 1) return { discovery: coreVersions() };
      [group, version, rest] = ["", seg[1], seg.slice(2)];
    } else if (seg[0] === "apis") {
      if (seg.length === 1) return { discovery: groupList(this.types.values()) };
      if (seg.length === 2) return null;
      [group, version, rest] = [seg[1], seg[2], seg.slice(3)];
    } else return null;
    if (rest.length === 0) return { discovery: resourceList(this.types.values(), group, version) };
    const find = (plural: string) => this.types.get(`${group ? `${group}/` : ""}${version}/${plural}`);
    const namespacedType = rest[0] === "namespaces" && rest.length >= 3 ? find(rest[2]) : undefined;
    if (namespacedType?.namespaced) return { resource: namespacedType, namespace: rest[1], name: rest[3], subresource: rest[4] };
    const type = find(rest[0]);
    if (!type || rest.length > 3 || (type.namespaced && rest.length > 1)) return null;
    return { resource: type, name: rest[1], subresource: rest[2] };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const record: RequestRecord = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, contentType: req.headers["content-type"] };
    this.requests.push(record);
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      if (this.unavailable) throw new ApiError(503, "ServiceUnavailable", "the stand-in is unavailable");
      let raw = "";
      for await (const chunk of req) raw += chunk;
      if (raw) record.body = JSON.parse(raw);
      if (url.pathname === "/version") return reply(200, { major: "1", minor: "31", gitVersion: "v1.31.0-stand-in" });
      const target = this.route(url.pathname);
      if (target?.discovery) return reply(200, target.discovery);
      if (!target?.resource) throw new ApiError(404, "NotFound", `the server could not find the requested resource (${url.pathname})`);
      if (target.subresource && !(target.subresource === "status" && target.resource.status))
        throw new ApiError(404, "NotFound", `${target.resource.plural}/${target.subresource} is not served`);
      const result = this.dispatch(req.method ?? "GET", target, url, record, res);
      if (result) reply(result.code, result.body);
    } catch (err) {
      if (err instanceof ApiError) reply(err.code, statusBody(err.code, err.reason, err.message));
      else if (err instanceof PatchError || err instanceof SelectorError || err instanceof SyntaxError)
        reply(400, statusBody(400, "BadRequest", err.message));
      else reply(500, statusBody(500, "InternalError", String(err)));
    }
  }

  /** Returns the reply, or null when the request became a watch stream. */
  private dispatch(method: string, t: Target, url: URL, record: RequestRecord, res: ServerResponse): { code: number; body: unknown } | null {
    const type = t.resource!;
    const ns = t.namespace;
    const body = record.body as KubeObject;
    if (method === "GET" && !t.name) {
      const watch = url.searchParams.get("watch");
      if (watch === "true" || watch === "1") {
        this.openWatch(type, ns, url.searchParams, res);
        return null;
      }
      const items = this.store.list(type, ns, selectors(url.searchParams));
      // Like kube-apiserver, list items of built-in kinds omit kind/apiVersion; custom
      // resources (served as unstructured) keep them.
      const custom = attacheLike(type);
      const shaped = custom ? items : items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
      return {
        code: 200,
        body: { kind: `${type.kind}List`, apiVersion: groupVersion(type), metadata: { resourceVersion: String(this.store.currentRevision) }, items: shaped },
      };
    }
    if (type.namespaced && ns === undefined && method !== "GET") throw new ApiError(405, "MethodNotAllowed", "writes need a namespace");
    switch (method) {
      case "GET":
        return { code: 200, body: this.store.get(type, ns, t.name!) };
      case "POST":
        if (t.name) throw new ApiError(405, "MethodNotAllowed", "POST goes to the collection");
        if (body?.metadata?.namespace && body.metadata.namespace !== ns)
          throw new ApiError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
        return { code: 201, body: this.store.create(type, ns, body) };
      case "PUT":
        return { code: 200, body: this.store.update(type, ns, t.name!, body, t.subresource) };
      case "PATCH": {
        const current = this.store.get(type, ns, t.name!);
        const kind = (record.contentType ?? "").split(";")[0].trim();
        let patched: KubeObject;
        if (kind === "application/json-patch+json") patched = jsonPatch(current, body) as KubeObject;
        else if (kind === "application/merge-patch+json" || kind === "application/strategic-merge-patch+json")
          patched = mergePatch(current, body) as KubeObject;
        else throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format: ${kind}`);
        // Both formats start from the stored object, so the result carries the stored
        // resourceVersion (no precondition) unless the patch itself sets one (checked, 409).
        return { code: 200, body: this.store.update(type, ns, t.name!, patched, t.subresource) };
      }
      case "DELETE":
        return { code: 200, body: this.store.delete(type, ns, t.name!) };
      default:
        throw new ApiError(405, "MethodNotAllowed", `${method} is not supported`);
    }
  }

  private openWatch(type: ResourceType, ns: string | undefined, query: URLSearchParams, res: ServerResponse): void {
    const matches = selectors(query);
    const since = query.get("resourceVersion") ?? "";
    const backlog = since !== "" && since !== "0" ? this.store.eventsSince(type, Number(since)) : null;
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    const write = (type: string, object: unknown) => res.write(JSON.stringify({ type, object }) + "\n");
    const watcher: Watcher = { resource: type, namespace: ns, matches, send: write };
    const open: OpenWatch = { response: res, watcher };
    // resourceVersion unset or "0": start with synthetic ADDED events for the current state.
    if (backlog === null) for (const obj of this.store.list(type, ns, matches)) write("ADDED", obj);
    else this.store.replay(watcher, backlog);
    this.store.watchers.add(watcher);
    this.watches.add(open);
    const finish = () => {
      this.store.watchers.delete(watcher);
      this.watches.delete(open);
    };
    res.on("close", finish);
    const timeout = Number(query.get("timeoutSeconds") ?? 0);
    if (timeout > 0) setTimeout(() => res.end(), timeout * 1000).unref();
  }
}

function selectors(query: URLSearchParams): ObjectPredicate {
  const labels = parseLabelSelector(query.get("labelSelector"));
  const fields = parseFieldSelector(query.get("fieldSelector"));
  return (obj) => labels(obj.metadata.labels) && fields(obj);
}

/** Custom resources: every group that is not a built-in Kubernetes API group. */
function attacheLike(type: ResourceType): boolean {
  return type.group !== "" && !type.group.endsWith("k8s.io");
}
