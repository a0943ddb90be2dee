import { describe, expect, it } from "vitest";
import type { TypedExtensionConfigJson } from "../../protos/gen/envoy/config/core/v3/extension_pb.ts";
import { emptyResources, TYPE_URL } from "../../protos/type-urls.ts";
import type { XdsResources } from "../xds/snapshot.ts";
import { ModuleDelivery, type ModuleSource } from "./delivery.ts";

const SHA = "ab".repeat(32);
const BYTES = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);

function ecds(sha256: string, marker = "1"): object {
  return {
    name: "attache.wasm/default/f",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
      config: { name: "attache.wasm/default/f", vm_config: { vm_id: "v", code: { remote: { http_uri: { uri: "http://m/x.wasm" }, sha256 } } }, configuration: { value: marker } },
    },
  };
}

function resources(resource: TypedExtensionConfigJson): XdsResources {
  const out = emptyResources();
  out[TYPE_URL.typedExtensionConfig].set("attache.wasm/default/f", resource);
  return out;
}

const source = (modules: Record<string, Uint8Array>): ModuleSource => ({
  get: (sha) => modules[sha],
  problem: (sha) => `no module with sha256 ${sha}`,
});

describe("ModuleDelivery", () => {
  it("inlines the verified bytes in place of the remote reference, and keeps identity for unchanged input", () => {
    const delivery = new ModuleDelivery(source({ [SHA]: BYTES }));
    const input = resources(ecds(SHA));
    const first = delivery.deliver(input);
    const out = first.resources[TYPE_URL.typedExtensionConfig]!.get("attache.wasm/default/f") as any;
    expect(out.typed_config.config.vm_config).toEqual({ vm_id: "v", code: { local: { inline_bytes: Buffer.from(BYTES).toString("base64") } } });
    expect(first.unavailable).toEqual([]);
    expect(delivery.deliver(input).resources[TYPE_URL.typedExtensionConfig]!.get("attache.wasm/default/f")).toBe(out);
  });

  it("keeps the last module sent when the new one is unavailable, and says why", () => {
    const delivery = new ModuleDelivery(source({ [SHA]: BYTES }));
    const good = delivery.deliver(resources(ecds(SHA))).resources[TYPE_URL.typedExtensionConfig]!.get("attache.wasm/default/f");
    const missing = "cd".repeat(32);
    const next = delivery.deliver(resources(ecds(missing, "2")));
    expect(next.resources[TYPE_URL.typedExtensionConfig]!.get("attache.wasm/default/f")).toBe(good);
    expect(next.unavailable).toEqual([{ filter: "attache.wasm/default/f", sha256: missing, message: `no module with sha256 ${missing}` }]);
  });

  it("sends nothing for a filter whose module never was available", () => {
    const next = new ModuleDelivery(source({})).deliver(resources(ecds(SHA)));
    expect(next.resources[TYPE_URL.typedExtensionConfig]!.size).toBe(0);
    expect(next.unavailable).toHaveLength(1);
  });
});
