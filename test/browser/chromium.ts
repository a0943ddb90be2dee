// Debian's Chromium (the `chromium` tool, test/tools.ts) driven by playwright-core, whose own
// browser downloads come from a CDN rather than a package registry. Headless, no sandbox (CI
// runs as root), and nothing that phones home, so a test only ever talks to our servers.
import { chromium, type Browser } from "playwright-core";
import { toolPath } from "../tools.ts";

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: toolPath("chromium"),
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--disable-quic",
    ],
  });
}
