import { beforeEach, describe, expect, it } from "vitest";
import { WasmResult } from "../abi/enums.ts";
import { PropertyValue } from "../abi/serialization.ts";
import { Probe, probeOptions } from "../../testdata/probe.ts";

describe("property host functions (through the ABI probe)", () => {
  let probe: Probe;
  let id: number;
  let rp: number;
  let rl: number;
  const get = (path: string, context = id) => {
    const [p, l] = probe.put(path);
    const status = probe.call("proxy_get_property", context, p, l, rp, rl);
    return { status, bytes: probe.returned(rp, rl), text: probe.returnedText(rp, rl) };
  };
  beforeEach(() => {
    probe = new Probe(
      probeOptions()
        .withRootId("probe-root").withPluginName("probe-plugin").withVmId("vm-1")
        .withProperty("xds.route_name", "route-a")
        .withProperty(["source", "address"], "10.0.0.1:5000")
        .withProperty("source.port", 5000),
    );
    id = probe.host.initializeHttpContext({ "request.id": "abc" });
    probe.host.callOnRequestHeaders(id, { ":path": "/p?q=1", ":method": "POST", ":authority": "api.test", "x-k": "v" }, true);
    [rp, rl] = probe.slots(2);
  });

  it.each([
    ["xds\0route_name", "route-a"],
    ["xds\0route_name\0", "route-a"],
    ["source\0address", "10.0.0.1:5000"],
    ["request\0path", "/p?q=1"],
    ["request\0url_path", "/p"],
    ["request\0method", "POST"],
    ["request\0host", "api.test"],
    ["request\0headers\0x-k", "v"],
    ["request\0id", "abc"],
    ["plugin_name", "probe-plugin"],
    ["plugin_root_id", "probe-root"],
    ["plugin_vm_id", "vm-1"],
  ])("proxy_get_property %j -> %j", (path, value) => {
    const got = get(path);
    expect(got.status).toBe(WasmResult.Ok);
    expect(got.text).toBe(value);
  });

  it("encodes integers as Envoy does (8-byte little-endian)", () => {
    expect(Buffer.from(get("source\0port").bytes)).toEqual(Buffer.from(PropertyValue.int64(5000)));
  });

  it("gives request.headers as a header map", () => {
    const got = get("request\0headers");
    expect(got.status).toBe(WasmResult.Ok);
    expect(got.bytes.length).toBeGreaterThan(4);
    expect(new DataView(got.bytes.buffer).getUint32(0, true)).toBe(5); // 4 headers + x-probe-seen added by the probe
  });

  it("answers NotFound for unknown paths", () => {
    expect(get("xds\0cluster_name").status).toBe(WasmResult.NotFound);
    expect(get("nope").status).toBe(WasmResult.NotFound);
  });

  it("proxy_set_property stores a value the same context reads back, without leaking to other streams", () => {
    const [pp, pl] = probe.put("my\0flag");
    const [vp, vl] = probe.put("on");
    expect(probe.call("proxy_set_property", id, pp, pl, vp, vl)).toBe(WasmResult.Ok);
    expect(get("my\0flag").text).toBe("on");
    const other = probe.host.initializeHttpContext();
    expect(get("my\0flag", other).status).toBe(WasmResult.NotFound);
  });

  it("consults the stream's attribute source after the stream's and root's own values and before the VM's", () => {
    const stream = probe.context(id);
    if (stream.kind !== "http") throw new Error("expected an HTTP stream");
    const asked: string[] = [];
    stream.attributes = {
      get(key) {
        asked.push(key);
        if (key === "xds\0route_name") return PropertyValue.string("route-from-request");
        if (key === "request\0id") return PropertyValue.string("from-attributes");
        return undefined;
      },
    };
    expect(get("xds\0route_name").text).toBe("route-from-request"); // over the VM-configured route-a
    expect(get("request\0id").text).toBe("abc"); // the stream's own value wins
    expect(get("source\0address").text).toBe("10.0.0.1:5000"); // not in the source: the VM's value
    expect(asked).toEqual(["xds\0route_name", "source\0address"]);
    const other = probe.host.initializeHttpContext();
    expect(get("xds\0route_name", other).text).toBe("route-a"); // another stream without a source
  });

  it("bad pointers are InvalidMemoryAccess", () => {
    expect(probe.call("proxy_get_property", id, 0x7fff_fff0, 64, rp, rl)).toBe(WasmResult.InvalidMemoryAccess);
    expect(probe.call("proxy_set_property", id, 0x7fff_fff0, 64, 0, 0)).toBe(WasmResult.InvalidMemoryAccess);
  });
});
