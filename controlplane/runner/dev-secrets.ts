// `attache dev` self-signs the TLS certificate of every Host whose `tlsSecret` names a Secret
// that is not in the watched files, so the TLS example works without a private key in the
// repository. (In a cluster a missing Secret is an error in the Host's status instead.)
import type { BundleResource, ResourceBundle } from "../sources/bundle.ts";
import { selfSignedTlsSecret } from "./tls.ts";

type Obj = Record<string, any>;

export async function selfSignMissingSecrets(bundle: ResourceBundle): Promise<BundleResource[]> {
  const objects = bundle.resources.map((r) => r.object as Obj);
  const ns = (o: Obj) => (typeof o.metadata?.namespace === "string" ? o.metadata.namespace : "default");
  const secrets = new Set(objects.filter((o) => o.kind === "Secret").map((o) => `${ns(o)}/${o.metadata?.name}`));
  const wanted = new Map<string, { namespace: string; name: string; hostnames: string[] }>();
  for (const host of objects.filter((o) => o.kind === "Host" && typeof o.spec?.tlsSecret?.name === "string" && typeof o.spec?.hostname === "string")) {
    const namespace = typeof host.spec.tlsSecret.namespace === "string" ? host.spec.tlsSecret.namespace : ns(host);
    const key = `${namespace}/${host.spec.tlsSecret.name}`;
    if (secrets.has(key)) continue;
    const entry = wanted.get(key) ?? { namespace, name: String(host.spec.tlsSecret.name), hostnames: [] as string[] };
    entry.hostnames.push(String(host.spec.hostname));
    wanted.set(key, entry);
  }
  return Promise.all([...wanted.values()].map((w) => selfSignedTlsSecret(w.name, w.hostnames, w.namespace)));
}
