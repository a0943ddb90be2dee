// Limits every HttpConnectionManager carries, under Envoy's own field names, so Envoy and the
// local data plane (devproxy/config/listeners.ts reads the same fields) apply the same values.
// Envoy's defaults (http_connection_manager.proto, core/v3/protocol.proto) except
// request_headers_timeout, which Envoy leaves off and an edge proxy needs: a client that
// sends half a request head must not hold a connection for ever.
import type { HttpConnectionManagerJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";

export const HCM_LIMITS = {
  /** Request header bytes; more answers 431. Envoy's default. */
  max_request_headers_kb: 60,
  /** From the first byte of a request until its headers are complete; then 408. */
  request_headers_timeout: "10s",
  /** A stream with no activity for this long is reset. Envoy's default. */
  stream_idle_timeout: "300s",
  common_http_protocol_options: {
    /** Request headers; more answers 431. Envoy's default. */
    max_headers_count: 100,
    /** A connection with no active request for this long is closed. Envoy's default. */
    idle_timeout: "3600s",
    // headers_with_underscores_action stays ALLOW, Envoy's default and the enum's zero value
    // (proto3 JSON leaves it out); both data planes read REJECT_REQUEST (400) and DROP_HEADER.
  },
} as const satisfies HttpConnectionManagerJson;
