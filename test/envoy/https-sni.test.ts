// The HTTPS listener's answer for a missing or unknown SNI, with real Envoy: the listener has
// one filter chain per TLS Host, matched by SNI, and no default chain, so a ClientHello
// without a server name or with one no Host serves is refused before any certificate is
// presented (Envoy closes the connection and counts `no_filter_chain_match`); no Host's
// certificate or routes are ever exposed under another name. A known name is served.
import tls from "node:tls";
import { beforeAll, expect, it } from "vitest";
import { selfSignMissingSecrets } from "../../controlplane/runner/dev-secrets.ts";
import { bundleFromYaml } from "../../controlplane/testdata/golden.ts";
import { describeWithTools } from "../tools.ts";
import { envoyWithEcho, type EnvoyStack } from "./stack.ts";

/** Resolves with the negotiated certificate's subject CN, or rejects with the handshake error. */
function handshake(port: number, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername, rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] }, () => {
      const cn = String(socket.getPeerCertificate().subject?.CN ?? "");
      socket.end();
      resolve(cn);
    });
    socket.once("error", reject);
    socket.once("close", () => reject(new Error("closed before the handshake completed")));
  });
}

describeWithTools(["envoy"], "HTTPS listener and SNI", () => {
  const env = envoyWithEcho();
  let stack: EnvoyStack;
  beforeAll(async () => {
    stack = env.stack;
    const bundle = bundleFromYaml(`apiVersion: attache.dev/v1alpha1
kind: Host
metadata: {name: secure}
spec: {hostname: secure.localhost, tlsSecret: {name: secure-tls}}
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: secure-echo}
spec: {hostname: secure.localhost, prefix: /, service: "http://127.0.0.1:${env.echo.port}"}
`, "tls.yaml");
    await stack.apply({ ...bundle, resources: [...bundle.resources, ...(await selfSignMissingSecrets(bundle))] });
  }, 30_000);

  it("serves a known server name with its Host's certificate", async () => {
    expect(await handshake(stack.ports.https, "secure.localhost")).toContain("secure.localhost");
  });

  it("refuses a missing or unknown server name before presenting any certificate", async () => {
    await expect(handshake(stack.ports.https, "other.example")).rejects.toThrow();
    await expect(handshake(stack.ports.https)).rejects.toThrow();
    const stats = await stack.envoy.admin("/stats?filter=no_filter_chain_match");
    const counts = [...stats.matchAll(/no_filter_chain_match: (\d+)/g)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
  });
});
