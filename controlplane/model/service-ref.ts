// `service` strings: Emissary's `name[.namespace][:port]` for Kubernetes Services (port
// default 80; a trailing `.svc` / `.svc.cluster.local` is accepted), or in file mode an
// `http(s)://host[:port]` URL (STATIC cluster for an IP literal, STRICT_DNS for a name).
import { isIP } from "node:net";

export type ServiceTarget =
  | { kind: "kubernetes"; name: string; namespace: string; port: number }
  | { kind: "url"; tls: boolean; host: string; port: number; ip: boolean };

const LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const KUBE = new RegExp(`^(${LABEL})(?:\\.(${LABEL}))?(?:\\.svc(?:\\.cluster\\.local)?)?(?::(\\d+))?$`);

function checkPort(text: string | undefined, fallback: number): number | string {
  if (text === undefined || text === "") return fallback;
  const port = Number(text);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : `port ${text} is out of range 1-65535`;
}

export function parseService(text: string, defaultNamespace: string, allowUrl: boolean): ServiceTarget | string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    if (!allowUrl) return `URL services (${JSON.stringify(text)}) are only allowed in file mode; use name[.namespace]:port`;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return `invalid URL ${JSON.stringify(text)}`;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return `unsupported URL scheme ${JSON.stringify(url.protocol)} (use http or https)`;
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username) {
      return `service URL ${JSON.stringify(text)} must be scheme://host[:port] only (use rewrite for paths)`;
    }
    const tls = url.protocol === "https:";
    const port = checkPort(url.port, tls ? 443 : 80);
    if (typeof port === "string") return port;
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    return { kind: "url", tls, host, port, ip: isIP(host) !== 0 };
  }
  const portMatch = /:(\d+)$/.exec(text);
  if (portMatch) {
    const port = checkPort(portMatch[1], 80);
    if (typeof port === "string") return port;
  }
  const match = KUBE.exec(text);
  if (!match) return `invalid service ${JSON.stringify(text)}: want name[.namespace][:port] (lowercase DNS labels)`;
  const port = checkPort(match[5], 80) as number;
  return { kind: "kubernetes", name: match[1], namespace: match[3] ?? defaultNamespace, port };
}

export function serviceTargetKey(target: ServiceTarget): string {
  return target.kind === "kubernetes" ? `${target.namespace}/${target.name}:${target.port}` : `${target.tls ? "url-tls" : "url"}/${target.host}:${target.port}`;
}
