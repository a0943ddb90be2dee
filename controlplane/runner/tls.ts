// A self-signed certificate for the dev command's TLS example Host, made fresh at start so no
// private key lives in the repository. Delivered to the model as a kubernetes.io/tls Secret.
import selfsigned from "selfsigned";
import type { BundleResource } from "../sources/bundle.ts";

export async function selfSignedTlsSecret(name: string, hostnames: string[], namespace = "default"): Promise<BundleResource> {
  const pems = await selfsigned.generate([{ name: "commonName", value: hostnames[0] }], {
    keyType: "ec",
    curve: "P-256",
    notAfterDate: new Date(Date.now() + 30 * 24 * 3600 * 1000),
    extensions: [{ name: "subjectAltName", altNames: hostnames.map((value) => ({ type: 2, value })) }],
  });
  return {
    object: Object.freeze({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace, annotations: { "attache.dev/generated": "self-signed at start by attache dev" } },
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": pems.cert, "tls.key": pems.private },
    }),
  };
}
