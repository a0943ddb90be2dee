// Emissary `service` strings keep their meaning in Attaché's Mapping (model/checks/service-ref.ts):
// `[scheme://]name[.namespace][:port]`, a Kubernetes Service when one of that name exists,
// otherwise a DNS name or an IP. The only rewrite is Emissary's `tls: true` (originate TLS),
// which becomes the `https://` scheme.

export function serviceFromEmissary(service: string, tls: boolean, path: string, warnings: string[]): string {
  const trimmed = service.trim();
  if (!tls) return trimmed;
  if (/^https:\/\//i.test(trimmed)) return trimmed;
  if (/^http:\/\//i.test(trimmed)) {
    warnings.push(`${path}: tls is set, so ${JSON.stringify(trimmed)} is reached over https`);
    return trimmed.replace(/^http:/i, "https:");
  }
  return `https://${trimmed}`;
}
