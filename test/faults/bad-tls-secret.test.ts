// A TLS Secret whose PEM has the right markers but garbage inside passes the model; the data
// plane must refuse it as Envoy does (a NACK naming the Secret) rather than accept it and fail
// every handshake without a word. The NACK shows on the diagnostics page's client view.
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, forEachDataPlane, mapping, startE2E, type E2E } from "../e2e/harness.ts";

const garbage = `apiVersion: attache.dev/v1alpha1
kind: Host
metadata: { name: secure }
spec: { hostname: secure.test, tlsSecret: { name: bad-cert } }
---
apiVersion: v1
kind: Secret
metadata: { name: bad-cert }
type: kubernetes.io/tls
stringData:
  tls.crt: "-----BEGIN CERTIFICATE-----\\nbm90IGEgY2VydGlmaWNhdGU=\\n-----END CERTIFICATE-----\\n"
  tls.key: "-----BEGIN PRIVATE KEY-----\\nbm90IGEga2V5\\n-----END PRIVATE KEY-----\\n"
`;

forEachDataPlane("a TLS Secret with garbage PEM", (dataPlane) => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({ "m.yaml": mapping("m", { prefix: "/m/", service: "http://127.0.0.1:9" }) }, { dataPlane });
  });
  afterAll(async () => { await e2e?.close(); });

  it("is NACKed by the data plane, and the diagnostics page shows why", async () => {
    e2e.write("tls.yaml", garbage);
    let nack: { typeUrl: string; message: string } | undefined;
    await eventually(async () => {
      const clients = await (await fetch(`${e2e.admin}/debug/clients`)).json() as Array<{ lastNack?: { typeUrl: string; message: string } }>;
      nack = clients.find((c) => /certificate/i.test(c.lastNack?.message ?? ""))?.lastNack;
      return nack !== undefined;
    }, 15_000, 100);
    // Envoy: "Failed to load certificate chain from <inline>"; ours names the Secret too.
    expect(nack!.message).toMatch(dataPlane === "local" ? /Secret default\/bad-cert.*certificate/ : /certificate/i);
  });
});
