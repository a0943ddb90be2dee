// Small clients the end-to-end suites share: an HTTPS request with a chosen SNI name (the
// certificate is self-signed, so it is read, not verified), and readers for the data plane's
// admin interface (Prometheus text from either data plane, Envoy's own /stats).
import tls from "node:tls";
import type { E2E } from "./harness.ts";

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The served certificate's subject CN and DNS SANs. */
  certificateNames: string[];
  alpn: string | false | null;
}

/** GET over TLS to 127.0.0.1:port with SNI `serverName` (HTTP/1.1, connection: close),
 *  optionally presenting a client certificate (mutual TLS). */
export function httpsGet(port: number, serverName: string, path: string, headers: Record<string, string> = {}, client?: { cert: string; key: string }): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: serverName, rejectUnauthorized: false, ALPNProtocols: ["http/1.1"], ...client }, () => {
      const cert = socket.getPeerCertificate();
      const sans = String(cert.subjectaltname ?? "").split(", ").filter((s) => s.startsWith("DNS:")).map((s) => s.slice(4));
      const names = [String(cert.subject?.CN ?? ""), ...sans].filter(Boolean);
      const lines = [`GET ${path} HTTP/1.1`, `host: ${serverName}`, "connection: close", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      const chunks: Buffer[] = [];
      socket.on("data", (d: Buffer) => chunks.push(d));
      socket.on("end", () => {
        const text = Buffer.concat(chunks).toString("latin1");
        const split = text.indexOf("\r\n\r\n");
        const [statusLine, ...headerLines] = text.slice(0, split).split("\r\n");
        const parsed = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
        let body = text.slice(split + 4);
        if (/chunked/i.test(parsed["transfer-encoding"] ?? "")) body = dechunk(body);
        resolve({ status: Number(statusLine.split(" ")[1]), headers: parsed, body, certificateNames: names, alpn: socket.alpnProtocol });
      });
    });
    socket.on("error", reject);
  });
}

function dechunk(text: string): string {
  let out = "";
  for (let at = 0; ;) {
    const eol = text.indexOf("\r\n", at);
    const size = parseInt(text.slice(at, eol), 16);
    if (!size) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** One sample from the data plane's /stats/prometheus (undefined if absent). Both data planes
 *  export Wasm filters' metrics under the name the filter defined. */
export async function prometheusValue(e2e: E2E, name: string, labels = ""): Promise<number | undefined> {
  const text = await (await fetch(`${e2e.proxyAdmin}/stats/prometheus`)).text();
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name && (m[2] ?? "").includes(labels)) return Number(m[3]);
  }
  return undefined;
}

/** A counter or gauge from Envoy's admin /stats (Envoy only). */
export async function envoyStat(e2e: E2E, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${e2e.proxyAdmin}/stats?filter=${encodeURIComponent(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)}`)).text();
  const m = /: (\d+)\s*$/.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}
