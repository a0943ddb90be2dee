// Bench case: the template filter (filters/template) — reads xds.route_name, looks up the
// required header, sets one header. The baseline is that logic in plain TypeScript on the same
// header list, with the config pre-parsed as the filter's onConfigure does.
import { fileURLToPath } from "node:url";
import type { HeaderPairs } from "../../host/index.ts";
import type { FilterBenchCase } from "./case.ts";

const CONFIG = {
  header: { name: "x-hello", value: "world" },
  require: "x-api-version",
  routes: { "default/health": { enabled: false } },
};

interface Settings {
  enabled: boolean;
  headerName: string;
  headerValue: string;
  requiredHeader: string;
}

const templateCase: FilterBenchCase = {
  name: "template",
  description: "reads one request header and the route name, adds one header",
  wasm: fileURLToPath(new URL("../../build/filters/template.release.wasm", import.meta.url)),
  configuration: CONFIG,
  properties: { "xds.route_name": "default/api" },
  request: (i) => [
    [":method", "GET"],
    [":path", `/items/${i % 1000}`],
    [":authority", "api.example.com"],
    ["x-api-version", "2"],
  ],
  baseline() {
    const parsed = JSON.parse(JSON.stringify(CONFIG)) as typeof CONFIG;
    const defaults: Settings = { enabled: true, headerName: parsed.header.name, headerValue: parsed.header.value, requiredHeader: parsed.require };
    const routes = new Map<string, Settings>(Object.entries(parsed.routes).map(([k, v]) => [k, { ...defaults, ...v }]));
    const properties = new Map([["xds.route_name", "default/api"]]);
    return (headers: HeaderPairs) => {
      const settings = routes.get(properties.get("xds.route_name")!) ?? defaults;
      if (!settings.enabled) return 0;
      const required = headers.find(([k]) => k === settings.requiredHeader);
      if (!required || required[1] === "") return 400;
      const existing = headers.findIndex(([k]) => k === settings.headerName);
      if (existing >= 0) headers[existing] = [settings.headerName, settings.headerValue];
      else headers.push([settings.headerName, settings.headerValue]);
      return 0;
    };
  },
};

export default templateCase;
