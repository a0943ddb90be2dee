// The template filter: the starting point `attache new filter <name>` copies.
// - adds a configured header to every request;
// - rejects a request without a required header with 400 and a JSON body;
// - per-route overrides keyed by route name (xds.route_name), pre-parsed in onConfigure;
// - counts rejections in the metric attache_template_rejected.
// Schema and examples: README.md. The decision itself is the pure function in decision.ts.
export * from "@attache/proxy-wasm-sdk/exports";
import {
  ConfigErrors, ConfiguredRootContext, Counter, FilterHeadersStatus, HeaderPair, HttpContext,
  RootContext, registerRootContext, requestHeaders, sendLocalResponse,
} from "@attache/proxy-wasm-sdk";
import { RouteSettings, TemplateConfig, parseTemplateConfig } from "./config";
import { Verdict, decide, rejectionBody } from "./decision";

class TemplateRoot extends ConfiguredRootContext {
  config: TemplateConfig = new TemplateConfig();
  rejected: Counter | null = null;

  filterName(): string { return "template"; }

  applyConfiguration(configuration: ArrayBuffer, errors: ConfigErrors): string | null {
    const parsed = parseTemplateConfig(configuration, errors);
    if (parsed === null) return null;
    this.config = parsed;
    return "with " + parsed.routes.size.toString() + " route override(s)";
  }

  defineMetrics(): void {
    this.rejected = new Counter("attache_template_rejected");
  }

  createHttpContext(contextId: u32): HttpContext {
    return new TemplateStream(contextId, this);
  }
}

class TemplateStream extends HttpContext {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root as TemplateRoot;
    // One property read per request (xds.route_name, matched without decoding it); settings
    // were parsed in onConfigure.
    const settings: RouteSettings = root.config.settingsForCurrentRoute();
    if (!settings.enabled) return FilterHeadersStatus.Continue;

    const required = settings.requiredHeader.length > 0 ? requestHeaders.get(settings.requiredHeader) : null;
    if (decide(settings, required) == Verdict.RejectMissingHeader) {
      const rejected = root.rejected;
      if (rejected !== null) rejected.increment();
      sendLocalResponse(400, "template_missing_required_header", rejectionBody(settings.requiredHeader),
        [new HeaderPair("content-type", "application/json")]);
      return FilterHeadersStatus.StopIteration;
    }
    if (settings.headerName.length > 0) requestHeaders.set(settings.headerName, settings.headerValue);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new TemplateRoot(contextId));
