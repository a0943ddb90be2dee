// `attache dev [dir]` (what `npm start` runs): the whole gateway on this machine — control
// plane watching `dir` (default examples/), the data plane on 8080/8443 (the local one, or
// real Envoy with `--data-plane envoy`) with its admin on 9901, admin and diagnostics on
// 8877, Wasm modules on 18002, xDS on 18000, example upstreams on 9001-9003.
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import pino from "pino";
import { startDevStack, DEV_PORTS } from "../runner/dev.ts";
import { DATA_PLANES, type DataPlaneKind } from "../runner/dataplane.ts";
import type { CommandIo } from "./commands.ts";
import { REPO_ROOT } from "./model-options.ts";

const USAGE = `usage: attache dev [dir] [--data-plane local|envoy] [--workers N] [--http-port N] [--https-port N]
                   [--admin-port N] [--xds-port N] [--modules-port N] [--proxy-admin-port N] [--bind ADDRESS]
                   [--log-level LEVEL] [--no-upstreams] [--quiet]`;

function dataPlaneKind(value: string | undefined): DataPlaneKind {
  if (value === undefined) return "local";
  if ((DATA_PLANES as readonly string[]).includes(value)) return value as DataPlaneKind;
  throw new Error(`--data-plane: expected ${DATA_PLANES.join(" or ")}, got ${JSON.stringify(value)}`);
}

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new Error(`${flag}: expected a thread count, got ${JSON.stringify(value)}`);
  return n;
}

function port(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag}: expected a port number, got ${JSON.stringify(value)}`);
  return n;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        "http-port": { type: "string" }, "https-port": { type: "string" }, "admin-port": { type: "string" },
        "xds-port": { type: "string" }, "modules-port": { type: "string" }, "proxy-admin-port": { type: "string" }, bind: { type: "string" },
        "log-level": { type: "string" }, "no-upstreams": { type: "boolean" }, quiet: { type: "boolean" },
        "data-plane": { type: "string" }, workers: { type: "string" },
      },
    });
  } catch (err) {
    io.err(`attache dev: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const v = parsed.values;
  const dirs = parsed.positionals.length ? parsed.positionals : ["examples"];
  let ports;
  let dataPlane: DataPlaneKind;
  let workers: number | undefined;
  try {
    dataPlane = dataPlaneKind(v["data-plane"]);
    workers = v.workers === undefined ? undefined : count(v.workers, "--workers");
    ports = {
      http: port(v["http-port"], "--http-port", DEV_PORTS.http),
      https: port(v["https-port"], "--https-port", DEV_PORTS.https),
      admin: port(v["admin-port"], "--admin-port", DEV_PORTS.admin),
      xds: port(v["xds-port"], "--xds-port", DEV_PORTS.xds),
      modules: port(v["modules-port"], "--modules-port", DEV_PORTS.modules),
      proxyAdmin: port(v["proxy-admin-port"], "--proxy-admin-port", DEV_PORTS.proxyAdmin),
    };
  } catch (err) {
    io.err(`attache dev: ${(err as Error).message}\n`);
    return 2;
  }
  const logger = pino({ level: v["log-level"] ?? "info" });
  let stack;
  try {
    stack = await startDevStack({
      paths: dirs.map((d) => resolve(io.cwd, d)),
      repoRoot: REPO_ROOT,
      ports,
      bindAddress: v.bind,
      exampleUpstreams: !v["no-upstreams"],
      logger,
      accessLog: v.quiet ? () => undefined : undefined,
      dataPlane,
      workers,
    });
  } catch (err) {
    io.err(`attache dev: ${(err as Error).message}\n`);
    return 1;
  }
  const host = v.bind ?? "127.0.0.1";
  io.out([
    "",
    `Attaché is running (watching ${dirs.join(", ")}; data plane: ${dataPlane === "envoy" ? `Envoy, ${stack.dataPlane.workers} worker threads` : "local"}):`,
    `  traffic      http://${host}:${stack.ports.http}   https://${host}:${stack.ports.https}`,
    `  diagnostics  http://${host}:${stack.ports.admin}/`,
    `  xDS          ${host}:${stack.ports.xds}    modules http://${host}:${stack.ports.modules}/modules/`,
    `  proxy stats  http://${host}:${stack.ports.proxyAdmin}/stats/prometheus${dataPlane === "envoy" ? "   (Envoy's admin)" : ""}`,
    `Try: curl -s http://${host}:${stack.ports.http}/echo/hello`,
    "",
  ].join("\n") + "\n");
  await new Promise<void>((done) => {
    const stop = () => { process.off("SIGINT", stop); process.off("SIGTERM", stop); done(); };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await stack.close();
  return 0;
}
