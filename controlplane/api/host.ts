// Host: a virtual host, optionally terminating TLS (Emissary's Host); docs/design.md "Custom resources".
import { Type, type Static, Obj, Str, Int, Bool, Enum, StrList, LabelSelector, resourceSchema, Matching } from "./schema-kit.ts";
import { HOSTNAME_GLOB } from "./names.ts";

export const HostSpec = Obj("A hostname served by the gateway, its TLS and its plain-HTTP policy.", {
  hostname: Matching('Exact name ("api.example.com"), wildcard ("*.example.com") or "*".', HOSTNAME_GLOB, 'must be "*", a lowercase DNS name, "*.<name>" or "<name>.*"', { modelChecked: true }),
  tlsSecret: Type.Optional(Obj("A kubernetes.io/tls Secret; when set the Host is served on the HTTPS listener (SNI).", {
    name: Str("Secret name."),
    namespace: Type.Optional(Str("Secret namespace; default the Host's.")),
  }, { required: ["name"] })),
  requestPolicy: Type.Optional(Obj("Request handling policy.", {
    insecure: Type.Optional(Obj("What plain HTTP requests get.", {
      action: Type.Optional(Enum("Redirect to https, Reject (403), or Route normally. Default Redirect with TLS, Route without.", ["Redirect", "Reject", "Route"] as const)),
      additionalPort: Type.Optional(Int("Plain-HTTP port (Emissary compatibility): must be the HTTP listener port, or -1 for none (treated as Reject).", { minimum: -1, maximum: 65535 })),
    })),
  })),
  mappingSelector: Type.Optional(LabelSelector),
  tls: Type.Optional(Obj("TLS parameters (with tlsSecret).", {
    caSecret: Type.Optional(Obj("Mutual TLS: a Secret whose ca.crt (or tls.crt) holds the CAs client certificates must chain to; a presented certificate is always verified. In a cluster only kubernetes.io/tls Secrets are read (cert-manager's carry ca.crt).", {
      name: Str("Secret name."),
      namespace: Type.Optional(Str("Secret namespace; default the Host's.")),
    }, { required: ["name"] })),
    certRequired: Type.Optional(Bool("Mutual TLS: reject clients that present no certificate (needs caSecret). Default false.")),
    minVersion: Type.Optional(Enum("Minimum TLS version.", ["1.2", "1.3"] as const)),
    maxVersion: Type.Optional(Enum("Maximum TLS version.", ["1.2", "1.3"] as const)),
    alpn: Type.Optional(StrList('ALPN protocols. Default ["h2", "http/1.1"].')),
  })),
}, { required: ["hostname"] });

export const HostResource = resourceSchema("Host", HostSpec);
export type HostSpec = Static<typeof HostSpec>;
export type Host = Static<typeof HostResource>;
