// `attache serve`: parses the command line and runs the in-cluster control plane
// (runner/serve.ts) until SIGTERM or SIGINT.
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { startServe } from "../runner/serve.ts";
import type { CommandIo } from "./commands.ts";

const USAGE = `usage: attache serve [--kubeconfig <file>] [--namespaces <ns>,...] [--instance-id <id>]
         [--emissary auto|true|false] [--xds-address 0.0.0.0:18000] [--admin-address 127.0.0.1]
         [--admin-port 8877] [--modules-port 18002] [--module-server-host <host>]
         [--http-port 8080] [--https-port 8443] (Envoy's listener ports)
         [--lease-namespace <ns>] [--lease-name attache-status] [--identity <pod name>]
         [--no-status] [--log-level info]
  In a pod: the service account's credentials; the Lease goes to $POD_NAMESPACE, the
  identity is $POD_NAME. Outside: $KUBECONFIG or ~/.kube/config.
`;

export async function run(args: string[], io: CommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        kubeconfig: { type: "string" },
        namespaces: { type: "string", multiple: true },
        "instance-id": { type: "string", default: "default" },
        emissary: { type: "string", default: "auto" },
        "xds-address": { type: "string", default: "0.0.0.0:18000" },
        "admin-address": { type: "string", default: "127.0.0.1" },
        "admin-port": { type: "string", default: "8877" },
        "modules-port": { type: "string", default: "18002" },
        "module-server-host": { type: "string" },
        "http-port": { type: "string", default: "8080" },
        "https-port": { type: "string", default: "8443" },
        "lease-namespace": { type: "string" },
        "lease-name": { type: "string", default: "attache-status" },
        identity: { type: "string" },
        "no-status": { type: "boolean", default: false },
        "log-level": { type: "string", default: "info" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    io.err(`attache serve: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) return void io.out(USAGE), 0;
  const bad = (message: string) => (io.err(`attache serve: ${message}\n${USAGE}`), 2);
  if (!["auto", "true", "false"].includes(values.emissary!)) return bad("--emissary must be auto, true or false");
  const ports = { admin: Number(values["admin-port"]), modules: Number(values["modules-port"]), http: Number(values["http-port"]), https: Number(values["https-port"]) };
  for (const [name, port] of Object.entries(ports)) if (!Number.isInteger(port) || port < 0 || port > 65535) return bad(`--${name}-port must be a port number`);
  const logger = pino({ level: values["log-level"] });
  const kubeConfig = new KubeConfig();
  if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
  else kubeConfig.loadFromDefault(); // in-cluster service account, else $KUBECONFIG / ~/.kube/config
  const identity = values.identity ?? process.env.POD_NAME ?? hostname();
  const handle = await startServe({
    kubeConfig,
    namespaces: values.namespaces?.flatMap((n) => n.split(",")).filter(Boolean),
    instance: values["instance-id"],
    emissary: values.emissary === "auto" ? "auto" : values.emissary === "true",
    xdsAddress: values["xds-address"],
    adminHost: values["admin-address"],
    adminPort: ports.admin,
    modulesPort: ports.modules,
    listeners: { http: ports.http, https: ports.https },
    moduleHost: values["module-server-host"] ?? process.env.POD_IP ?? hostname(),
    lease: values["no-status"] ? null : { namespace: values["lease-namespace"] ?? process.env.POD_NAMESPACE ?? "attache", name: values["lease-name"]!, identity },
    logger,
  });
  logger.info({ xdsPort: handle.xdsPort, identity, ...handle.timings }, "attache serve: serving");
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await handle.stop();
  return 0;
}
