// The worked example of host/README.md, verbatim except for import paths (it sits in host/ and
// imports the entry point; the README shows a filter project's test), so the documentation
// cannot drift from the API.
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { EmulatorOptions, HeadersAction, HostEmulator } from "./index.ts";

const wasm = fileURLToPath(new URL("../build/filters/template.release.wasm", import.meta.url));

it("rejects a request without x-api-version and adds x-hello otherwise", () => {
  const host = new HostEmulator(
    new EmulatorOptions()
      .withWasm(wasm)                                          // .wasm.map next to it gives trap lines
      .withPluginConfiguration({ header: { name: "x-hello", value: "world" }, require: "x-api-version" })
      .withProperty("xds.route_name", "default/api"),
  );
  host.startPlugin();                                          // on_context_create, on_vm_start, on_configure

  const rejected = host.initializeHttpContext();
  expect(host.callOnRequestHeaders(rejected, { ":path": "/" }, true)).toBe(HeadersAction.StopIteration);
  expect(host.getSentLocalResponse(rejected)?.statusCode).toBe(400);
  expect(host.getCounterMetric("attache_template_rejected")).toBe(1n);

  const ok = host.initializeHttpContext();
  expect(host.callOnRequestHeaders(ok, { ":path": "/", "x-api-version": "2" }, true)).toBe(HeadersAction.Continue);
  expect(host.getCurrentRequestHeaders(ok)).toContainEqual(["x-hello", "world"]);
  host.completeHttpContext(ok);                                // on_log, on_done, on_delete
  expect(host.getFailures()).toEqual([]);
});
