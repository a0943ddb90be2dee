import { beforeEach, describe, expect, it } from "vitest";
import { WasmResult } from "../abi/enums.ts";
import { InProcessSharedData } from "../shared-data.ts";
import { SharedQueueRegistry } from "../shared-queues.ts";
import { Probe, probeOptions } from "../../testdata/probe.ts";

describe("shared data across VM instances of one vm_id", () => {
  let store: InProcessSharedData;
  let a: Probe;
  let b: Probe;
  let other: Probe;
  beforeEach(() => {
    store = new InProcessSharedData();
    a = new Probe(probeOptions().withVmId("limits").withSharedData(store));
    b = new Probe(probeOptions().withVmId("limits").withSharedData(store));
    other = new Probe(probeOptions().withVmId("elsewhere").withSharedData(store));
  });

  function set(probe: Probe, key: string, value: string, cas: number): number {
    const [kp, kl] = probe.put(key);
    const [vp, vl] = probe.put(value);
    return probe.call("proxy_set_shared_data", probe.host.rootContextId, kp, kl, vp, vl, cas);
  }
  function get(probe: Probe, key: string): { status: number; value: string; cas: number } {
    const [kp, kl] = probe.put(key);
    const [rp, rl, rc] = probe.slots(3);
    const status = probe.call("proxy_get_shared_data", probe.host.rootContextId, kp, kl, rp, rl, rc);
    return { status, value: probe.returnedText(rp, rl), cas: probe.u32(rc) };
  }

  it("a value set in one VM is read with its cas in another VM of the same vm_id only", () => {
    expect(set(a, "k", "v1", 0)).toBe(WasmResult.Ok);
    const seen = get(b, "k");
    expect(seen).toMatchObject({ status: WasmResult.Ok, value: "v1" });
    expect(seen.cas).toBeGreaterThan(0);
    expect(get(other, "k").status).toBe(WasmResult.NotFound);
  });

  it("the second of two writers holding the same cas gets CasMismatch", () => {
    set(a, "counter", "0", 0);
    const casA = get(a, "counter").cas;
    const casB = get(b, "counter").cas;
    expect(casA).toBe(casB);
    expect(set(a, "counter", "1", casA)).toBe(WasmResult.Ok);
    expect(set(b, "counter", "1", casB)).toBe(WasmResult.CasMismatch);
    const after = get(b, "counter");
    expect(after.value).toBe("1");
    expect(set(b, "counter", "2", after.cas)).toBe(WasmResult.Ok);
    expect(get(a, "counter").value).toBe("2");
  });

  it("a non-zero cas for a missing key creates it (cpp-host SharedData::set); every set gets a new cas", () => {
    expect(set(a, "fresh", "x", 12345)).toBe(WasmResult.Ok);
    expect(get(b, "fresh").value).toBe("x");
    expect(set(a, "fresh", "y", 12345)).toBe(WasmResult.CasMismatch);
    set(a, "fresh", "x", 0);
    const first = get(a, "fresh").cas;
    set(a, "fresh", "x", 0);
    expect(get(a, "fresh").cas).not.toBe(first);
  });

  it("data goes when the last VM of the vm_id goes", () => {
    set(a, "k", "v", 0);
    a.host.dispose();
    expect(get(b, "k").status).toBe(WasmResult.Ok);
    b.host.dispose();
    expect(store.get("limits", "k")).toBeUndefined();
  });

  it("keys are the module's bytes, compared byte for byte, whatever their length (as cpp-host's map)", () => {
    // Lengths around the host's 64-byte intern limit and far beyond it, non-ASCII UTF-8, NUL
    // inside, and two byte strings that are not UTF-8 and would decode to the same text (U+FFFD).
    const keys: (string | Uint8Array)[] = [
      "", "k", "x".repeat(63), "x".repeat(64), "x".repeat(65), "y".repeat(300), "clé-日本-😀", Uint8Array.of(0x6b, 0x00, 0x01),
      Uint8Array.of(0x6b, 0xff), Uint8Array.of(0x6b, 0xfe),
    ];
    const setBytes = (probe: Probe, key: string | Uint8Array, value: string) => {
      const [kp, kl] = probe.put(key);
      const [vp, vl] = probe.put(value);
      return probe.call("proxy_set_shared_data", probe.host.rootContextId, kp, kl, vp, vl, 0);
    };
    const getBytes = (probe: Probe, key: string | Uint8Array) => {
      const [kp, kl] = probe.put(key);
      const [rp, rl, rc] = probe.slots(3);
      const status = probe.call("proxy_get_shared_data", probe.host.rootContextId, kp, kl, rp, rl, rc);
      return { status, value: probe.returnedText(rp, rl) };
    };
    keys.forEach((key, i) => expect(setBytes(a, key, `v${i}`)).toBe(WasmResult.Ok));
    keys.forEach((key, i) => expect(getBytes(b, key)).toEqual({ status: WasmResult.Ok, value: `v${i}` }));
    expect(getBytes(b, "x".repeat(66)).status).toBe(WasmResult.NotFound);
    expect(getBytes(b, Uint8Array.of(0x6b, 0x00)).status).toBe(WasmResult.NotFound);
    expect(getBytes(b, Uint8Array.of(0x6b, 0xfd)).status).toBe(WasmResult.NotFound);
    // The embedder's string API finds the same entries by the key's UTF-8.
    expect(new TextDecoder().decode(store.get("limits", "clé-日本-😀")?.value)).toBe("v6");
    expect(new TextDecoder().decode(store.get("limits", "y".repeat(300))?.value)).toBe("v5");
    store.set("limits", "from-embedder", new TextEncoder().encode("e"), 0);
    expect(getBytes(a, "from-embedder")).toEqual({ status: WasmResult.Ok, value: "e" });
  });

  it("bad pointers are InvalidMemoryAccess", () => {
    expect(a.call("proxy_get_shared_data", a.host.rootContextId, 0x7fff_fff0, 8, 0, 0, 0)).toBe(WasmResult.InvalidMemoryAccess);
    expect(a.call("proxy_set_shared_data", a.host.rootContextId, 0x7fff_fff0, 8, 0, 0, 0)).toBe(WasmResult.InvalidMemoryAccess);
  });
});

describe("shared queues", () => {
  it("register, resolve from another VM, enqueue -> proxy_on_queue_ready on the owner, dequeue, Empty", () => {
    const queues = new SharedQueueRegistry();
    const owner = new Probe(probeOptions().withVmId("q").withSharedQueues(queues));
    const producer = new Probe(probeOptions().withVmId("producer").withSharedQueues(queues));
    const [np, nl] = owner.put("jobs");
    const [qid] = owner.slots(1);
    expect(owner.call("proxy_register_shared_queue", owner.host.rootContextId, np, nl, qid)).toBe(WasmResult.Ok);
    const queueId = owner.u32(qid);

    const [vp, vl] = producer.put("q");
    const [pn, pl] = producer.put("jobs");
    const [rq] = producer.slots(1);
    expect(producer.call("proxy_resolve_shared_queue", producer.host.rootContextId, vp, vl, pn, pl, rq)).toBe(WasmResult.Ok);
    expect(producer.u32(rq)).toBe(queueId);
    const [mp, ml] = producer.put("job-1");
    expect(producer.call("proxy_enqueue_shared_queue", producer.host.rootContextId, queueId, mp, ml)).toBe(WasmResult.Ok);
    // The owner's proxy_on_queue_ready dequeued and logged it.
    expect(owner.host.getLogs("info").at(-1)).toBe(`queue ${queueId}: job-1`);

    const [rp, rl] = owner.slots(2);
    expect(owner.call("proxy_dequeue_shared_queue", owner.host.rootContextId, queueId, rp, rl)).toBe(WasmResult.Empty);
    expect(owner.call("proxy_dequeue_shared_queue", owner.host.rootContextId, 999, rp, rl)).toBe(WasmResult.NotFound);
    expect(producer.call("proxy_enqueue_shared_queue", producer.host.rootContextId, 999, mp, ml)).toBe(WasmResult.NotFound);
    const [xp, xl] = producer.put("nope");
    expect(producer.call("proxy_resolve_shared_queue", producer.host.rootContextId, vp, vl, xp, xl, rq)).toBe(WasmResult.NotFound);
  });

  it("an enqueue into the caller's own queue is delivered after the running callback returns", () => {
    const probe = new Probe();
    const root = probe.host.rootContextId;
    const [np, nl] = probe.put("self");
    const [qid] = probe.slots(1);
    probe.call("proxy_register_shared_queue", root, np, nl, qid);
    const [mp, ml] = probe.put("later");
    const logsBefore = probe.host.getLogs("info").length;
    probe.vm.invoke("outer", probe.context(root), () => {
      (probe.vm.exports.call_proxy_enqueue_shared_queue as Function)(probe.u32(qid), mp, ml);
      expect(probe.host.getLogs("info").length).toBe(logsBefore);
    });
    expect(probe.host.getLogs("info").at(-1)).toBe(`queue ${probe.u32(qid)}: later`);
  });
});
