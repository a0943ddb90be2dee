// Feeds the ADS server's stream events into the ProgrammedTracker: which proxies are
// connected, what was pushed to them, what they ACKed or NACKed (controlplane/xds emits
// "connect", "push", "ack", "nack", "disconnect" and "snapshot"). `onChange` runs at most
// once per burst (ACKs arrive per type and per proxy).
import type { Logger } from "pino";
import type { ResourceRef } from "../ir/types.ts";
import type { AckRecord, ClientInfo, NackRecord, PushRecord, SnapshotEvent, XdsServer } from "../xds/index.ts";
import type { ProgrammedTracker } from "./programmed.ts";

export interface AckTracking {
  stop(): void;
}

export function trackProxyAcks(
  xds: XdsServer,
  tracker: ProgrammedTracker,
  /** The accepted resources of the configuration being served and their content keys. */
  contents: () => readonly { ref: ResourceRef; content: string }[] | undefined,
  onChange: () => void,
  logger?: Logger,
  burstMs = 100,
  /** The resources a NACK message points at (status/nack-blame.ts). */
  blame: (message: string) => readonly ResourceRef[] = () => [],
): AckTracking {
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      onChange();
    }, burstMs);
  };
  // Delta streams answer with the snapshot's version, SotW streams with the type's: the
  // tracker compares per type, so a snapshot version is mapped to that snapshot's type version.
  const typeVersions = new Map<string, ReadonlyMap<string, string>>();
  const typeVersion = (typeUrl: string, version: string) => typeVersions.get(version)?.get(typeUrl) ?? version;
  xds.on("snapshot", (event: SnapshotEvent) => {
    typeVersions.set(event.snapshot.version, new Map([...event.snapshot.types].map(([typeUrl, type]) => [typeUrl, type.version])));
    if (typeVersions.size > 256) typeVersions.delete(typeVersions.keys().next().value!);
    const resources = contents();
    if (!resources) return;
    tracker.published(event.snapshot.version, new Map([...event.snapshot.types].map(([typeUrl, type]) => [typeUrl, type.version])), resources);
    changed();
  });
  xds.on("connect", (streamId: number) => tracker.connected(String(streamId)));
  xds.on("push", (push: PushRecord) => tracker.sent(String(push.streamId), push.typeUrl));
  xds.on("ack", (ack: AckRecord) => {
    tracker.ack(String(ack.streamId), ack.typeUrl, typeVersion(ack.typeUrl, ack.version));
    changed();
  });
  xds.on("nack", (nack: NackRecord) => {
    tracker.nack(String(nack.streamId), nack.typeUrl, typeVersion(nack.typeUrl, nack.version), `${nack.message} (node ${nack.nodeId})`, blame(nack.message));
    logger?.warn({ node: nack.nodeId, type: nack.typeUrl, version: nack.version, error: nack.message }, "proxy rejected configuration");
    changed();
  });
  xds.on("disconnect", (info: ClientInfo) => {
    tracker.disconnected(String(info.streamId));
    changed();
  });
  return { stop: () => clearTimeout(timer) };
}
