// `attache bootstrap`: prints the Envoy bootstrap for a control plane address (the Helm
// chart's bootstrap ConfigMap holds the same content; charts/attache/chart.test.ts checks).
import { parseArgs } from "node:util";
import { BOOTSTRAP_NODE_CLUSTER, envoyBootstrap } from "../bootstrap/bootstrap.ts";
import type { CommandIo } from "./commands.ts";

export async function run(args: string[], io: CommandIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      options: { "xds-address": { type: "string" }, "node-id": { type: "string" }, "node-cluster": { type: "string" }, "admin-port": { type: "string" } },
    });
    const bootstrap = envoyBootstrap({
      xdsAddress: values["xds-address"] ?? "attache-xds.attache-system.svc:18000",
      nodeId: values["node-id"],
      nodeCluster: values["node-cluster"] ?? BOOTSTRAP_NODE_CLUSTER,
      adminPort: values["admin-port"] ? Number(values["admin-port"]) : undefined,
    });
    io.out(`${JSON.stringify(bootstrap, null, 2)}\n`);
    return 0;
  } catch (err) {
    io.err(`attache bootstrap: ${(err as Error).message}\n`);
    return 2;
  }
}
