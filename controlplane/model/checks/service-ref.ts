// `service` strings with Emissary's meaning: `[scheme://]host[:port]`, scheme http (default)
// or https (TLS to the upstream), port default 80 (443 with https). The host is
// - `name` or `name.namespace` (optionally `.svc` / `.svc.cluster.local`): a Kubernetes Service
//   when one of that name exists (EDS cluster over its ready endpoints); a two-label name with
//   no such Service is a DNS name, as Emissary's default resolver (KubernetesServiceResolver)
//   treats every service: `httpbin.org`, `foo.example` route through DNS;
// - any other DNS name: a DNS cluster (STRICT_DNS, Emissary's default `dns_type`; LOGICAL_DNS
//   with the Mapping's dnsType);
// - an IP literal: a STATIC cluster.
import { isIP } from "node:net";

export interface ServiceTarget {
  /** Host as written (brackets of IPv6 literals removed). */
  host: string;
  port: number;
  /** `https://`: TLS to the upstream, SNI = host. */
  tls: boolean;
  /** The Kubernetes Service this may name, tried first. */
  kubernetes?: { name: string; namespace: string };
  ip: boolean;
}

const LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const KUBE = new RegExp(`^(${LABEL})(?:\\.(${LABEL}))?(?:\\.svc(?:\\.cluster\\.local)?)?$`);
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\.?$/i;

function checkPort(text: string | undefined, fallback: number): number | string {
  if (text === undefined || text === "") return fallback;
  const port = Number(text);
  return /^\d+$/.test(text) && port >= 1 && port <= 65535 ? port : `port ${text} is out of range 1-65535`;
}

export function parseService(text: string, defaultNamespace: string): ServiceTarget | string {
  let rest = text.trim();
  let tls = false;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== "http" && name !== "https") return `unsupported scheme ${JSON.stringify(`${name}://`)} (use http:// or https://)`;
    tls = name === "https";
    rest = rest.slice(scheme[0].length).replace(/\/$/, "");
  }
  if (/[/?#@]/.test(rest)) return `service ${JSON.stringify(text)} must be [scheme://]host[:port] only (use rewrite for paths)`;
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(rest);
  if (bracketed) [host, portText] = [bracketed[1]!, bracketed[2]];
  else if (isIP(rest) === 6) host = rest;
  else {
    const colon = rest.lastIndexOf(":");
    [host, portText] = colon >= 0 ? [rest.slice(0, colon), rest.slice(colon + 1)] : [rest, undefined];
  }
  const port = checkPort(portText, tls ? 443 : 80);
  if (typeof port === "string") return port;
  const ip = isIP(host) !== 0;
  if (!ip && !DNS_NAME.test(host)) return `invalid service ${JSON.stringify(text)}: want [http(s)://]name[.namespace][:port], a DNS name or an IP`;
  const target: ServiceTarget = { host: host.replace(/\.$/, ""), port, tls, ip };
  const kube = ip ? null : KUBE.exec(host.toLowerCase());
  if (kube) target.kubernetes = { name: kube[1]!, namespace: kube[3] ?? defaultNamespace };
  return target;
}

/** A one-label name can only be a Service: without one it is reported, not looked up in DNS
 *  (in a cluster DNS would find the same Service, or nothing). */
export const mustBeKubernetes = (target: ServiceTarget): boolean => target.kubernetes !== undefined && !target.host.includes(".");

export function kubernetesKey(target: ServiceTarget): string | undefined {
  return target.kubernetes ? `${target.kubernetes.namespace}/${target.kubernetes.name}` : undefined;
}

/** Cluster name base: "<namespace>/<service>:<port>" for Services, "url/<host>:<port>" (or
 *  "url-tls/...") for DNS names and IPs; "+tls" marks TLS to a Service. */
export function serviceTargetKey(target: ServiceTarget, resolvedToService: boolean): string {
  if (resolvedToService && target.kubernetes) return `${target.kubernetes.namespace}/${target.kubernetes.name}:${target.port}${target.tls ? "+tls" : ""}`;
  return `${target.tls ? "url-tls" : "url"}/${target.host}:${target.port}`;
}
