// The root context every filter here shares (the Go SDK's examples have the same shape): the
// plugin configuration is parsed once, in onConfigure; a bad one is rejected with one log line
// naming the filter and every problem found, which fails the plugin; metrics are defined at
// the first accepted configuration and kept across reconfigurations; an accepted configuration
// is logged with a short summary.
import { RootContext } from "./context";
import { ConfigErrors } from "./json_view";
import { logError, logInfo } from "./log";

export class ConfiguredRootContext extends RootContext {
  private metricsDefined: bool = false;

  /** The filter's name in log lines ("auth: invalid configuration: ..."). */
  filterName(): string { return "filter"; }

  /**
   * Parses `configuration` and keeps the result. Returns what to log after "configured "
   * ("3 route(s)"), or null, with the problems added to `errors`, to reject it.
   */
  applyConfiguration(configuration: ArrayBuffer, errors: ConfigErrors): string | null { return ""; }

  /** Defines the filter's metrics (proxy_define_metric); called at the first accepted configuration only. */
  defineMetrics(): void {}

  onConfigure(configuration: ArrayBuffer): bool {
    const errors = new ConfigErrors();
    const summary = this.applyConfiguration(configuration, errors);
    if (summary === null) {
      logError(this.filterName() + ": invalid configuration: " + errors.toString());
      return false;
    }
    if (!this.metricsDefined) {
      this.defineMetrics();
      this.metricsDefined = true;
    }
    logInfo(this.filterName() + ": configured " + summary);
    return true;
  }
}
