// Whether a TLS Secret's certificate chain and private key load, and belong together: the
// checks Envoy makes when it loads a DownstreamTlsContext's tls_certificates
// (envoy/extensions/transport_sockets/tls/v3/common.proto), made while the Secret is read, so
// a Secret Envoy would refuse is the Host's error instead of a NACK.
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Why `certificateChain` + `privateKey` (PEM) cannot serve TLS, or undefined when they can. */
export function checkTlsKeyPair(certificateChain: string, privateKey: string): string | undefined {
  const blocks = certificateChain.match(CERTIFICATE_BLOCK) ?? [];
  if (!blocks.length) return "tls.crt: no PEM certificate";
  let leaf: X509Certificate | undefined;
  for (const [i, block] of blocks.entries()) {
    try {
      const certificate = new X509Certificate(block);
      leaf ??= certificate;
    } catch (err) {
      return `tls.crt: certificate ${i + 1} does not parse (${reason(err)})`;
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKey);
  } catch (err) {
    return `tls.key: the private key does not parse (${reason(err)})`;
  }
  if (!leaf!.checkPrivateKey(key)) return "tls.key: the private key does not match the certificate in tls.crt";
  return undefined;
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}
