// Hosts -> virtual host skeletons (domains, TLS, mutual TLS, insecure policy) and secrets, plus
// which Hosts a Mapping attaches to. Selection is Emissary's (its irhost.py
// `matches_httpgroup`): `spec.host` names one Host; else a Host takes a Mapping when the
// Mapping's hostname glob (default "*") matches the Host's hostname, OR the Host has a
// mappingSelector its labels match. Mappings no Host takes go to the implicit catch-all
// virtual host "attache/default" (domains ["*"]), which exists only when needed; see
// mapping-records.ts for when (ARCHITECTURE.md "Route order and Hosts").
import type { CaSecretIR, HostTlsIR, SecretIR, TlsSecretIR, VirtualHostIR } from "../../ir/types.ts";
import type { HostSpec } from "../../api/host.ts";
import type { KubeObject } from "../../sources/bundle.ts";
import { Diagnostics } from "./diagnostics.ts";
import type { Index, Resource, MappingResource } from "./resources.ts";
import type { Memo } from "./memo.ts";
import { globsIntersect } from "../checks/glob.ts";

export const CATCH_ALL_NAME = "attache/default";

export interface HostPlan {
  /** VirtualHostIR fields except routes. */
  name: string;
  host?: Resource<HostSpec>;
  domains: string[];
  hostname: string;
  tls?: HostTlsIR;
  insecure: VirtualHostIR["insecure"];
}

function decodePem(secret: KubeObject, key: string): string | undefined {
  const stringData = secret.stringData as Record<string, unknown> | undefined;
  if (typeof stringData?.[key] === "string") return stringData[key] as string;
  const data = secret.data as Record<string, unknown> | undefined;
  if (typeof data?.[key] === "string") return Buffer.from(data[key] as string, "base64").toString("utf8");
  return undefined;
}

type KeyPairCheck = (certificateChain: string, privateKey: string) => string | undefined;

function tlsSecretIR(key: string, secret: KubeObject, checkKeyPair?: KeyPairCheck): TlsSecretIR | string {
  const certificateChain = decodePem(secret, "tls.crt");
  const privateKey = decodePem(secret, "tls.key");
  if (!certificateChain || !/-----BEGIN [A-Z ]*CERTIFICATE-----/.test(certificateChain)) return `Secret ${key} has no PEM certificate in tls.crt`;
  if (!privateKey || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) return `Secret ${key} has no PEM private key in tls.key`;
  const problem = checkKeyPair?.(certificateChain, privateKey);
  if (problem) return `Secret ${key} ${problem}`;
  return { name: key, certificateChain, privateKey };
}

/** Mutual TLS CAs: ca.crt (what cert-manager and kubectl write), else tls.crt (Emissary's
 *  ca_secret reads a TLS Secret's certificate). */
function caSecretIR(key: string, secret: KubeObject): CaSecretIR | string {
  const pem = decodePem(secret, "ca.crt") ?? decodePem(secret, "tls.crt");
  if (!pem || !/-----BEGIN [A-Z ]*CERTIFICATE-----/.test(pem)) return `Secret ${key} has no PEM certificate in ca.crt or tls.crt`;
  return { name: `${key}#ca`, trustedCa: pem };
}

export function planHosts(index: Index, memo: Memo, checkKeyPair?: KeyPairCheck): { plans: HostPlan[]; secrets: SecretIR[] } {
  const plans: HostPlan[] = [];
  const secrets = new Map<string, SecretIR>();
  const byHostname = new Map<string, string>();
  for (const host of [...index.hosts].sort((a, b) => a.key.localeCompare(b.key))) {
    const spec = host.spec;
    const claimedBy = byHostname.get(spec.hostname);
    if (claimedBy) {
      Diagnostics.invalid(host.entry, [{ path: "spec.hostname", message: `hostname ${JSON.stringify(spec.hostname)} is already served by Host ${claimedBy}` }], "Conflicted");
      continue;
    }
    let tls: HostTlsIR | undefined;
    if (spec.tlsSecret) {
      const key = `${spec.tlsSecret.namespace ?? host.ref.namespace}/${spec.tlsSecret.name}`;
      const secret = index.secrets.get(key);
      const ir = secret ? memo.get(`secret:${key}`, [secret, checkKeyPair], () => tlsSecretIR(key, secret, checkKeyPair)) : `Secret ${key} not found`;
      if (typeof ir === "string") {
        Diagnostics.unresolved(host.entry, { path: "spec.tlsSecret", message: ir }, secret ? "InvalidSecret" : "RefNotFound", true);
        continue;
      }
      let clientCa: CaSecretIR | undefined;
      if (spec.tls?.caSecret) {
        const caKey = `${spec.tls.caSecret.namespace ?? host.ref.namespace}/${spec.tls.caSecret.name}`;
        const caSecret = index.secrets.get(caKey);
        const ca = caSecret ? memo.get(`ca-secret:${caKey}`, [caSecret], () => caSecretIR(caKey, caSecret)) : `Secret ${caKey} not found`;
        if (typeof ca === "string") {
          Diagnostics.unresolved(host.entry, { path: "spec.tls.caSecret", message: ca }, caSecret ? "InvalidSecret" : "RefNotFound", true);
          continue;
        }
        clientCa = ca;
      }
      secrets.set(key, ir);
      tls = { secretName: key, serverNames: spec.hostname === "*" ? [] : [spec.hostname], alpn: spec.tls?.alpn ?? ["h2", "http/1.1"] };
      if (spec.tls?.minVersion) tls.minVersion = spec.tls.minVersion;
      if (spec.tls?.maxVersion) tls.maxVersion = spec.tls.maxVersion;
      if (clientCa) {
        secrets.set(clientCa.name, clientCa);
        tls.clientCa = { secretName: clientCa.name, required: spec.tls?.certRequired ?? false };
      }
    }
    if (tls && spec.tls?.certRequired && !tls.clientCa) {
      Diagnostics.invalid(host.entry, [{ path: "spec.tls.certRequired", message: "needs caSecret (the CAs client certificates are verified against)" }], "Invalid");
      continue;
    }
    byHostname.set(spec.hostname, host.key);
    const insecure = spec.requestPolicy?.insecure?.additionalPort === -1 ? "Reject" : spec.requestPolicy?.insecure?.action ?? (tls ? "Redirect" : "Route");
    plans.push({ name: host.key, host, domains: [spec.hostname], hostname: spec.hostname, tls, insecure });
  }
  return { plans, secrets: [...secrets.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}

export function catchAllPlan(): HostPlan {
  return { name: CATCH_ALL_NAME, domains: ["*"], hostname: "*", insecure: "Route" };
}

function selectorMatches(selector: Record<string, string> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Does Host `plan` take `mapping` (without an explicit spec.host)? */
export function hostSelects(plan: HostPlan, mapping: MappingResource): boolean {
  if (globsIntersect(mapping.info.hostname, plan.hostname)) return true;
  const selector = plan.host?.spec.mappingSelector?.matchLabels;
  return selector !== undefined && Object.keys(selector).length > 0 && selectorMatches(selector, mapping.labels);
}

/** Candidate index so selection does not test every Mapping against every Host: Hosts with a
 *  selector or a wildcard hostname are always candidates; exact ones only for equal names. */
export class HostSelector {
  private exact = new Map<string, HostPlan[]>();
  private general: HostPlan[] = [];
  private all: HostPlan[];

  constructor(plans: HostPlan[]) {
    this.all = plans;
    for (const plan of plans) {
      if (plan.host?.spec.mappingSelector?.matchLabels || plan.hostname.includes("*")) this.general.push(plan);
      else this.exact.set(plan.hostname, [...(this.exact.get(plan.hostname) ?? []), plan]);
    }
  }

  select(mapping: MappingResource): HostPlan[] {
    const hostname = mapping.info.hostname;
    const candidates = hostname.includes("*") ? this.all : [...(this.exact.get(hostname) ?? []), ...this.general];
    return candidates.filter((plan) => hostSelects(plan, mapping));
  }
}
