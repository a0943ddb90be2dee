// Host-side state of each context id (reference "Call order"): one root context per plugin,
// one HTTP stream context per request. Context ids come from one counter per VM starting at 1.
//
//   VM (one instance of the module)
//    └─ RootContextState (plugin: root_id, configuration, tick period, queues)
//        └─ HttpStreamState (request/response headers, bodies, trailers, local response)
import type { HeaderPairs } from "./abi/serialization.ts";

export interface LocalResponse {
  statusCode: number;
  details: string;
  body: Uint8Array;
  headers: HeaderPairs;
  /** -1 = none (ABI: grpc_status -1). */
  grpcStatus: number;
}

export interface HttpCallout {
  token: number;
  /** The context that made the call; the response is delivered to it. */
  contextId: number;
  upstream: string;
  headers: HeaderPairs;
  body: Uint8Array;
  trailers: HeaderPairs;
  timeoutMs: number;
}

export interface GrpcCall {
  token: number;
  contextId: number;
  upstream: string;
  service: string;
  method: string;
  initialMetadata: HeaderPairs;
  /** Messages sent so far (the unary message, or each proxy_grpc_send on a stream). */
  messages: Uint8Array[];
  streaming: boolean;
  timeoutMs: number;
}

export class RootContextState {
  readonly kind = "root" as const;
  tickPeriodMs = 0;
  nextTickAtMs = 0;
  /** proxy_on_done returned false: the module owes a proxy_done. */
  donePending = false;
  readonly properties = new Map<string, Uint8Array>();

  constructor(
    readonly id: number,
    readonly rootId: string,
    readonly pluginName: string,
    readonly vmConfiguration: Uint8Array,
    readonly pluginConfiguration: Uint8Array,
  ) {}
}

export class HttpStreamState {
  readonly kind = "http" as const;
  requestHeaders: HeaderPairs | null = null;
  requestTrailers: HeaderPairs | null = null;
  responseHeaders: HeaderPairs | null = null;
  responseTrailers: HeaderPairs | null = null;
  requestBody: Uint8Array | null = null;
  responseBody: Uint8Array | null = null;
  requestEndOfStream = false;
  responseEndOfStream = false;
  localResponse: LocalResponse | null = null;
  /** proxy_continue_stream / proxy_close_stream calls, in order. */
  readonly streamEvents: Array<{ event: "continue" | "close"; streamType: number }> = [];
  readonly properties = new Map<string, Uint8Array>();
  donePending = false;
  completed = false;

  constructor(readonly id: number, readonly root: RootContextState) {}
}

export type ContextState = RootContextState | HttpStreamState;

export function rootOf(context: ContextState): RootContextState {
  return context.kind === "root" ? context : context.root;
}
