// Client side of the xDS bench: N SotW and N Delta ADS streams, each on its own connection like
// separate proxies, subscribing like Envoy (wildcard LDS/CDS, every other resource by
// name) and ACKing every response. Responses are not decoded beyond their envelope: the bench
// measures the server. Driven by the parent over IPC:
//   -> {cmd: "start", port, sotw, delta, names, wildcard}  <- {event: "synced", ms}
//   -> {cmd: "mark"}     (a change is coming: start recording)
//   -> {cmd: "collect"}  <- {event: "collected", streams: [{protocol, lastAt, bytes, types}]}
import * as grpc from "@grpc/grpc-js";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { encodeJson } from "../../protos/json.ts";

const now = () => performance.timeOrigin + performance.now();
const SERVICE = "/envoy.service.discovery.v3.AggregatedDiscoveryService";

interface Envelope { version: string; typeUrl: string; nonce: string }

/** Reads the envelope fields of a (Delta)DiscoveryResponse, skipping the resources. */
function envelope(bytes: Buffer): Envelope {
  const r = new BinaryReader(bytes);
  const out: Envelope = { version: "", typeUrl: "", nonce: "" };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1) out.version = r.string();
    else if (field === 4) out.typeUrl = r.string();
    else if (field === 5) out.nonce = r.string();
    else r.skip(wireType);
  }
  return out;
}

interface StreamStats { protocol: "sotw" | "delta"; lastAt: number; bytes: number; types: string[]; responses: number }

class BenchStream {
  stats: StreamStats;
  recording = false;
  lastResponseAt = 0;
  private readonly stream: grpc.ClientDuplexStream<Buffer, Buffer>;
  private readonly client: grpc.Client;

  constructor(port: number, readonly protocol: "sotw" | "delta", index: number, names: Record<string, string[]>, wildcard: string[]) {
    this.stats = { protocol, lastAt: 0, bytes: 0, types: [], responses: 0 };
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
    });
    const requestType = protocol === "sotw" ? "envoy.service.discovery.v3.DiscoveryRequest" : "envoy.service.discovery.v3.DeltaDiscoveryRequest";
    const encode = (msg: Record<string, unknown>) => Buffer.from(encodeJson(requestType, msg));
    this.stream = this.client.makeBidiStreamRequest(`${SERVICE}/${protocol === "sotw" ? "StreamAggregatedResources" : "DeltaAggregatedResources"}`, (b: Buffer) => b, (b: Buffer) => b);
    const subscriptions: Record<string, string[]> = { ...names };
    for (const t of wildcard) subscriptions[t] = [];
    this.stream.on("data", (bytes: Buffer) => {
      const e = envelope(bytes);
      this.lastResponseAt = now();
      if (this.recording) {
        this.stats.lastAt = this.lastResponseAt;
        this.stats.bytes += bytes.length;
        this.stats.responses++;
        if (!this.stats.types.includes(e.typeUrl)) this.stats.types.push(e.typeUrl);
      }
      this.stream.write(protocol === "sotw"
        ? encode({ type_url: e.typeUrl, version_info: e.version, response_nonce: e.nonce, resource_names: subscriptions[e.typeUrl] })
        : encode({ type_url: e.typeUrl, response_nonce: e.nonce }));
    });
    this.stream.on("error", () => undefined);
    const node = { id: `bench-${protocol}-${index}`, cluster: "bench" };
    let first = true;
    for (const [typeUrl, list] of Object.entries(subscriptions)) {
      const msg = protocol === "sotw" ? { type_url: typeUrl, resource_names: list } : { type_url: typeUrl, resource_names_subscribe: list };
      this.stream.write(encode(first ? { ...msg, node } : msg));
      first = false;
    }
  }

  close(): void {
    this.stream.cancel();
    this.client.close();
  }
}

let streams: BenchStream[] = [];
const send = (message: unknown) => process.send!(message);

/** Resolves once no stream has received anything for `quietMs`. */
async function quiet(quietMs: number, timeoutMs: number): Promise<void> {
  const started = now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const last = Math.max(...streams.map((s) => s.lastResponseAt));
    if (now() - last > quietMs || now() - started > timeoutMs) return;
  }
}

process.on("message", async (msg: { cmd: string; port?: number; sotw?: number; delta?: number; names?: Record<string, string[]>; wildcard?: string[] }) => {
  if (msg.cmd === "start") {
    const started = now();
    for (let i = 0; i < msg.sotw!; i++) streams.push(new BenchStream(msg.port!, "sotw", i, msg.names!, msg.wildcard!));
    for (let i = 0; i < msg.delta!; i++) streams.push(new BenchStream(msg.port!, "delta", i, msg.names!, msg.wildcard!));
    const deadline = now() + 180_000;
    while (streams.some((s) => s.lastResponseAt === 0) && now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await quiet(1500, 180_000);
    send({ event: "synced", ms: Math.max(...streams.map((s) => s.lastResponseAt)) - started, streams: streams.length, withData: streams.filter((s) => s.lastResponseAt > 0).length });
  } else if (msg.cmd === "mark") {
    for (const s of streams) {
      s.recording = true;
      s.stats = { protocol: s.protocol, lastAt: 0, bytes: 0, types: [], responses: 0 };
    }
    send({ event: "marked" });
  } else if (msg.cmd === "collect") {
    // Every stream gets the change; then wait for the tail (split or follow-up responses).
    const deadline = now() + 30_000;
    while (streams.some((s) => s.stats.responses === 0) && now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await quiet(300, 30_000);
    for (const s of streams) s.recording = false;
    send({ event: "collected", streams: streams.map((s) => s.stats) });
  } else if (msg.cmd === "exit") {
    for (const s of streams) s.close();
    streams = [];
    process.exit(0);
  }
});
