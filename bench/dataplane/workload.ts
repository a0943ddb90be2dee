// The filtered route both data-plane benches load: the auth filter (API key), the rate limit
// and the canary on one Mapping, so a request pays for all three built-in filters.
import { createHash } from "node:crypto";

export const API_KEY = "bench-key-0123456789";

/** The WasmFilter and the Mapping `filtered` (prefix /filtered/) in front of `upstream`. */
export function filteredYaml(upstream: string): string {
  const sha = createHash("sha256").update(API_KEY).digest("hex");
  return `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: auth }
spec:
  module: { builtin: auth }
  config: { apiKeys: { header: x-api-key, keys: [{ name: bench, sha256: "${sha}" }] } }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: filtered }
spec:
  prefix: /filtered/
  service: "${upstream}"
  filters: [{ name: auth }]
  rateLimit: { requests: 1000000, interval: 1s, keyBy: [clientAddress] }
  canary: { config: { keySources: ["header:x-user", "clientAddress"] } }
`;
}
