// Programmed (did every proxy ACK the resource?) for the runners without a status writer
// (`attache dev`, tests): tracks the xDS server's ACKs and NACKs per accepted resource and adds
// the condition to the statuses diagnostics shows. A resource's content key is its spec, so an
// unchanged resource keeps the snapshot it first appeared in.
import type { Logger } from "pino";
import type { ResourceStatus } from "../model/index.ts";
import { blamedResources } from "../status/nack-blame.ts";
import { ProgrammedTracker, withProgrammed } from "../status/programmed.ts";
import { trackProxyAcks } from "../status/xds-acks.ts";
import type { XdsServer } from "../xds/index.ts";
import type { Pipeline } from "./pipeline.ts";

export interface ProgrammedStatuses {
  /** The latest statuses with Programmed. */
  statuses(): ResourceStatus[];
  stop(): void;
}

export function trackProgrammed(pipeline: Pipeline, xds: XdsServer, logger?: Logger): ProgrammedStatuses {
  const tracker = new ProgrammedTracker();
  const contents = () => {
    const latest = pipeline.latest;
    if (!latest) return undefined;
    return latest.statuses
      .filter((s) => s.conditions.some((c) => c.type === "Accepted" && c.status === "True"))
      .map((s) => ({ ref: s.ref, content: JSON.stringify(specOf(latest.specs, s)) }));
  };
  const tracking = trackProxyAcks(xds, tracker, contents, () => undefined, logger, 20, (message) => blamedResources(pipeline.latest?.ir, message));
  return {
    statuses: () => withProgrammed(pipeline.latest?.statuses ?? [], tracker) as ResourceStatus[],
    stop: () => tracking.stop(),
  };
}

function specOf(specs: ReadonlyMap<string, unknown>, s: ResourceStatus): unknown {
  return specs.get(`${s.ref.kind}/${s.ref.namespace}/${s.ref.name}`);
}
