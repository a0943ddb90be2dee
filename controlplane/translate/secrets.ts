// TLS certificates for the HTTPS filter chains, delivered over SDS
// (extensions/transport_sockets/tls/v3/secret.proto). Cached per TlsSecretIR.
import type { TlsSecretIR } from "../ir/types.ts";
import { perObject } from "./memo.ts";
import type { JsonObject } from "./resources.ts";

export const translateSecret = perObject((secret: TlsSecretIR): JsonObject => ({
  name: secret.name,
  tls_certificate: {
    certificate_chain: { inline_string: secret.certificateChain },
    private_key: { inline_string: secret.privateKey },
  },
}));
