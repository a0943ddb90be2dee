// Model options for CLI commands run from this repository: filter schemas and module digests
// read from filters/ and build/filters/ of this installation (runner/install-root.ts).
import type { ModelOptions } from "../model/index.ts";
import { REPO_ROOT } from "../runner/install-root.ts";
import { checkTlsKeyPair } from "../model/checks/tls-key-pair.ts";
import { declaredModuleDigests, loadFilterSchemas } from "../sources/file/local-filters.ts";

export { REPO_ROOT };

/** For commands that only check or print: unbuilt filters get a placeholder digest. */
export function offlineModelOptions(root = REPO_ROOT): ModelOptions {
  return {
    moduleServer: { clusterName: "attache-modules", host: "127.0.0.1", port: 18002 },
    modules: declaredModuleDigests(root),
    filterSchemas: loadFilterSchemas(root),
    checkKeyPair: checkTlsKeyPair,
  };
}
