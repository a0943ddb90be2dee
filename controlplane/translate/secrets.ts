// SDS secrets (extensions/transport_sockets/tls/v3/secret.proto): TLS certificates for the
// HTTPS filter chains, and CA bundles that verify client certificates (mutual TLS) as a
// CertificateValidationContext. Cached per SecretIR.
import type { SecretIR } from "../ir/types.ts";
import { perObject } from "./memo.ts";
import type { SecretJson } from "../../protos/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.ts";

export const translateSecret = perObject((secret: SecretIR): SecretJson => {
  if ("trustedCa" in secret) return { name: secret.name, validation_context: { trusted_ca: { inline_string: secret.trustedCa } } };
  return {
    name: secret.name,
    tls_certificate: {
      certificate_chain: { inline_string: secret.certificateChain },
      private_key: { inline_string: secret.privateKey },
    },
  };
});
