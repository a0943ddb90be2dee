// A TLS Secret whose PEM has the right markers but garbage inside is caught when the Secret is
// read (model/tls-key-pair.ts): its Host is not accepted, with the field's path and why, on the
// diagnostics page and in the log; nothing half-working reaches the data plane (no filter chain
// with that certificate, so no NACK either), and every other route keeps serving.
import { afterAll, beforeAll, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eventually, forEachDataPlane, mapping, startE2E, type E2E } from "../e2e/harness.ts";
import type { ResourceStatus } from "../../controlplane/model/index.ts";

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
  let upstream: http.Server;
  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const service = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    e2e = await startE2E({ "m.yaml": mapping("m", { prefix: "/m/", service }) }, { dataPlane });
  });
  afterAll(async () => {
    await e2e?.close();
    await new Promise((r) => upstream?.close(r));
  });

  it("is the Host's error in status and on the diagnostics page; the data plane never gets it", async () => {
    e2e.write("tls.yaml", garbage);
    let host: ResourceStatus | undefined;
    await eventually(async () => {
      const statuses = await (await fetch(`${e2e.admin}/debug/resources`)).json() as ResourceStatus[];
      host = statuses.find((s) => s.ref.kind === "Host" && s.ref.name === "secure");
      return host !== undefined;
    }, 10_000, 50);
    expect(host!.conditions.find((c) => c.type === "Accepted")).toMatchObject({ status: "False" });
    expect(host!.conditions.find((c) => c.type === "ResolvedRefs")).toMatchObject({ status: "False", reason: "InvalidSecret" });
    expect(host!.errors).toEqual([expect.stringMatching(/^Host default\/secure: spec\.tlsSecret: Secret default\/bad-cert tls\.crt: certificate 1 does not parse/)]);
    const overview = await (await fetch(`${e2e.admin}/debug/overview`)).text();
    expect(overview).toContain("Secret default/bad-cert tls.crt: certificate 1 does not parse");
    // The config the data plane has carries no certificate from it, and it NACKed nothing.
    const config = JSON.stringify(await (await fetch(`${e2e.admin}/debug/config`)).json());
    expect(config).not.toContain("bm90IGEgY2VydGlmaWNhdGU=");
    const clients = await (await fetch(`${e2e.admin}/debug/clients`)).json() as Array<{ lastNack?: unknown }>;
    expect(clients.filter((c) => c.lastNack)).toEqual([]);
    expect((await fetch(`${e2e.http}/m/`)).status).toBe(200);
  });
});
