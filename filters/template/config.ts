// Configuration of the template filter (schema in README.md), parsed once in onConfigure.
// Envoy has no per-route Wasm config, so per-route settings arrive in the plugin configuration
// keyed by route name (`<namespace>/<mapping name>`, read per request from xds.route_name).
import { ConfigErrors, JsonObject, RouteMap, RouteSettingsResolver, parseConfigObject } from "@attache/proxy-wasm-sdk";

/** What the filter does on one route. */
export class RouteSettings {
  /** Header added to the request; "" adds nothing. */
  headerName: string = "";
  headerValue: string = "";
  /** Header a request must carry; "" requires nothing. */
  requiredHeader: string = "";
  /** false: the filter does nothing on this route. */
  enabled: bool = true;

  clone(): RouteSettings {
    const copy = new RouteSettings();
    copy.headerName = this.headerName;
    copy.headerValue = this.headerValue;
    copy.requiredHeader = this.requiredHeader;
    copy.enabled = this.enabled;
    return copy;
  }
}

export class TemplateConfig {
  defaults: RouteSettings = new RouteSettings();
  routes: RouteMap<RouteSettings> = new RouteMap<RouteSettings>();

  /** Settings for the request's route (its metadata settings, or its `routes` entry), falling back to the defaults. */
  settingsForCurrentRoute(): RouteSettings {
    const settings = this.routes.forCurrentRoute();
    return settings !== null ? settings : this.defaults;
  }
}

/** An HTTP header name as Envoy stores it: a lower-case RFC 9110 token, not a pseudo-header. */
export function isValidHeaderName(name: string): bool {
  if (name.length == 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f || c == 0x2e ||
      c == 0x21 || c == 0x23 || c == 0x24 || c == 0x25 || c == 0x26 || c == 0x27 || c == 0x2a || c == 0x2b ||
      c == 0x5e || c == 0x60 || c == 0x7c || c == 0x7e;
    if (!ok) return false;
  }
  return true;
}

/** A header value without CR, LF or NUL (which would split or truncate the header). */
export function isValidHeaderValue(value: string): bool {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c == 0x0d || c == 0x0a || c == 0x00) return false;
  }
  return true;
}

const SETTINGS_FIELDS = ["header", "require", "enabled"];
const TOP_LEVEL_FIELDS = ["header", "require", "enabled", "routes"];

/** Applies the fields present in `object` on top of `settings`. */
function readSettings(object: JsonObject, settings: RouteSettings): void {
  const header = object.getObject("header");
  if (header !== null) {
    header.rejectUnknownKeys(["name", "value"]);
    const name = header.requireString("name");
    if (name.length > 0 && !isValidHeaderName(name)) {
      header.errors.add(header.pathOf("name"), "'" + name + "' is not a lower-case HTTP header name");
    }
    const value = header.getString("value");
    if (!isValidHeaderValue(value)) header.errors.add(header.pathOf("value"), "must not contain CR, LF or NUL");
    settings.headerName = name;
    settings.headerValue = value;
  }
  if (object.has("require")) {
    const required = object.getString("require");
    if (required.length > 0 && !isValidHeaderName(required)) {
      object.errors.add(object.pathOf("require"), "'" + required + "' is not a lower-case HTTP header name");
    }
    settings.requiredHeader = required;
  }
  settings.enabled = object.getBool("enabled", settings.enabled);
}

/** Parses the plugin configuration; null when `errors` holds at least one problem. */
export function parseTemplateConfig(bytes: ArrayBuffer, errors: ConfigErrors): TemplateConfig | null {
  const root = parseConfigObject(bytes, errors);
  if (root === null) return null;
  root.rejectUnknownKeys(TOP_LEVEL_FIELDS);
  const config = new TemplateConfig();
  readSettings(root, config.defaults);
  const routes = root.getObject("routes");
  if (routes !== null) {
    const names = routes.keys();
    for (let i = 0; i < names.length; i++) {
      const entry = routes.getObject(names[i]);
      if (entry === null) continue; // wrong type already recorded
      entry.rejectUnknownKeys(SETTINGS_FIELDS);
      // A route starts from the top-level settings and overrides what it names.
      const settings = config.defaults.clone();
      readSettings(entry, settings);
      config.routes.set(names[i], settings);
    }
  }
  // Attaché puts each route's settings in its route metadata (sdk/route_map.ts).
  config.routes.readRouteMetadata(new SettingsResolver(config.defaults));
  return errors.ok ? config : null;
}

/** A route's settings from its metadata: the top-level settings with what it names overridden. */
class SettingsResolver extends RouteSettingsResolver<RouteSettings> {
  constructor(private readonly defaults: RouteSettings) { super(); }
  resolve(route: string, object: JsonObject): RouteSettings | null {
    object.rejectUnknownKeys(SETTINGS_FIELDS);
    const settings = this.defaults.clone();
    readSettings(object, settings);
    return settings;
  }
}
