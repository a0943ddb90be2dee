// What one filter benchmark case provides (bench/filters/<filter>.ts default-exports one).
// index.ts runs every case the same way: the release .wasm through the host, per request
// (stream create + request headers [+ response headers] + log/done/delete), against `baseline`,
// the same decision logic as plain TypeScript, in the same process and run.
import type { HeaderPairs, PropertyInput } from "../../host/index.ts";

export interface FilterBenchCase {
  /** Filter name as in filters/<name>. */
  name: string;
  /** What the measured request does, for the report. */
  description: string;
  /** Path of the release build. */
  wasm: string;
  /** Plugin configuration (JSON object or raw string). */
  configuration: object | string;
  /** VM-wide properties, e.g. { "xds.route_name": "default/r" }. */
  properties?: Record<string, PropertyInput>;
  /** Request headers of the i-th request (called ahead of timing, so it costs nothing). */
  request(i: number): HeaderPairs;
  /** Response headers, when the filter also acts on the response. */
  response?(i: number): HeaderPairs;
  /**
   * Builds the plain-TypeScript equivalent once (parsing config like onConfigure would) and
   * returns the per-request function; it must do the same reads and writes on the headers.
   */
  baseline(): (requestHeaders: HeaderPairs, responseHeaders: HeaderPairs | undefined) => unknown;
}
