// TLS Secrets are checked the way Envoy loads them (certificate chain and key parse, and the
// key is the certificate's), so a Secret Envoy would refuse is the Host's error, with the
// rest of the config still served.
import { beforeAll, describe, expect, it } from "vitest";
import selfsigned from "selfsigned";
import { checkTlsKeyPair } from "./tls-key-pair.ts";
import { condition, doc, docs, errorsOf, mapping, model } from "../fixtures.ts";

const garbageCert = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
const garbageKey = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
type Pems = { cert: string; private: string };
let one: Pems;
let two: Pems;

beforeAll(async () => {
  const make = () => selfsigned.generate([{ name: "commonName", value: "a.test" }], { keyType: "ec", curve: "P-256" }) as Promise<Pems>;
  [one, two] = await Promise.all([make(), make()]);
});

describe("checkTlsKeyPair", () => {
  it("accepts a certificate with its own key", () => {
    expect(checkTlsKeyPair(one.cert, one.private)).toBeUndefined();
  });
  it("names what does not load: the certificate, the key, or a key of another certificate", () => {
    expect(checkTlsKeyPair(garbageCert, one.private)).toMatch(/^tls\.crt: certificate 1 does not parse/);
    expect(checkTlsKeyPair(`${one.cert}${garbageCert}`, one.private)).toMatch(/^tls\.crt: certificate 2 does not parse/);
    expect(checkTlsKeyPair(one.cert, garbageKey)).toMatch(/^tls\.key: the private key does not parse/);
    expect(checkTlsKeyPair(one.cert, two.private)).toBe("tls.key: the private key does not match the certificate in tls.crt");
  });
});

describe("a Host whose TLS Secret does not load", () => {
  const secret = (name: string, crt: string, key: string) => JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name }, type: "kubernetes.io/tls", stringData: { "tls.crt": crt, "tls.key": key } });

  it("is not accepted, says why with the field's path, and the rest routes", () => {
    const result = model(docs(
      doc("Host", "bad", { hostname: "bad.test", tlsSecret: { name: "bad-cert" } }),
      secret("bad-cert", garbageCert, garbageKey),
      doc("Host", "good", { hostname: "good.test", tlsSecret: { name: "good-cert" } }),
      secret("good-cert", one.cert, one.private),
      mapping("m", { prefix: "/", service: "http://127.0.0.1:9", hostname: "good.test" }),
    ), { checkKeyPair: checkTlsKeyPair });
    expect(errorsOf(result)).toEqual([expect.stringMatching(/^Host default\/bad: spec\.tlsSecret: Secret default\/bad-cert tls\.crt: certificate 1 does not parse/)]);
    expect(condition(result, "Host", "bad", "Accepted")).toMatchObject({ status: "False" });
    expect(condition(result, "Host", "bad", "ResolvedRefs")).toMatchObject({ status: "False", reason: "InvalidSecret" });
    expect(result.ir.secrets.map((s) => s.name)).toEqual(["default/good-cert"]);
    expect(result.ir.virtualHosts.find((v) => v.name === "default/good")?.routes).toHaveLength(1);
    expect(result.ir.virtualHosts.some((v) => v.name === "default/bad")).toBe(false);
  });
});
