// Certificates for mutual-TLS tests: a CA (basicConstraints cA, keyCertSign), a server
// certificate for given hostnames and a client certificate, both signed by the CA.
import selfsigned from "selfsigned";

export interface MtlsCertificates {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

const DAY = 24 * 3600 * 1000;

export async function mtlsCertificates(hostnames: string[]): Promise<MtlsCertificates> {
  const notAfterDate = new Date(Date.now() + 7 * DAY);
  const ca = await selfsigned.generate([{ name: "commonName", value: "Attaché test CA" }], {
    keyType: "ec", curve: "P-256", algorithm: "sha256", notAfterDate,
    extensions: [{ name: "basicConstraints", cA: true, critical: true }, { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true }],
  });
  const server = await selfsigned.generate([{ name: "commonName", value: hostnames[0]! }], {
    keyType: "ec", curve: "P-256", algorithm: "sha256", notAfterDate,
    extensions: [{ name: "subjectAltName", altNames: hostnames.map((value) => ({ type: 2, value })) }, { name: "extKeyUsage", serverAuth: true }],
    ca: { key: ca.private, cert: ca.cert },
  });
  const client = await selfsigned.generate([{ name: "commonName", value: "client" }], {
    keyType: "ec", curve: "P-256", algorithm: "sha256", notAfterDate,
    extensions: [{ name: "extKeyUsage", clientAuth: true }],
    ca: { key: ca.private, cert: ca.cert },
  });
  return { caCert: ca.cert, serverCert: server.cert, serverKey: server.private, clientCert: client.cert, clientKey: client.private };
}
