// Requests Envoy refuses at the codec are refused by both data planes the same way: more
// headers than max_request_headers_count (100) or more header bytes than
// max_request_headers_kb (60) answer 431, never a request with headers silently dropped;
// CR/LF inside the request target is refused. Envoy 1.40 does not refuse two Host headers: it
// joins them ("a,b"), so neither one alone selects a virtual host; the local data plane does
// the same instead of routing on the first.
import { afterAll, beforeAll, expect, it } from "vitest";
import http from "node:http";
import net from "node:net";
import { forEachDataPlane, mapping, startE2E, type E2E } from "../e2e/harness.ts";

/** Sends raw bytes; resolves with the status line's code (0 when the connection closed first). */
function raw(port: number, text: string): Promise<number> {
  return new Promise((resolve) => {
    let seen = "";
    const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
    const done = () => { socket.destroy(); resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(seen)?.[1] ?? 0)); };
    socket.on("data", (d) => { seen += d.toString("latin1"); if (seen.includes("\r\n\r\n")) done(); });
    socket.on("close", done);
    socket.on("error", done);
    socket.setTimeout(3000, done);
  });
}

const headerLines = (n: number, size = 8) => Array.from({ length: n }, (_, i) => `x-h${i}: ${"v".repeat(size)}\r\n`).join("");

forEachDataPlane("request limits at the codec", (dataPlane) => {
  let e2e: E2E;
  let upstream: http.Server;
  let port: number;
  const seen: http.IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    upstream = http.createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => { seen.push(req.headers); res.end("ok"); });
    upstream.maxHeadersCount = 0;
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    e2e = await startE2E({ "r.yaml": mapping("r", { prefix: "/", service: `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}` }) }, { dataPlane });
    port = Number(new URL(e2e.http).port);
  });
  afterAll(async () => {
    await e2e?.close();
    await new Promise((r) => upstream?.close(r));
  });

  it("90 headers pass; 150 headers answer 431", async () => {
    expect(await raw(port, `GET /a HTTP/1.1\r\nhost: localhost\r\n${headerLines(90)}\r\n`)).toBe(200);
    expect(Object.keys(seen.at(-1)!).filter((k) => k.startsWith("x-h"))).toHaveLength(90);
    expect(await raw(port, `GET /a HTTP/1.1\r\nhost: localhost\r\n${headerLines(150)}\r\n`)).toBe(431);
  });

  it("40 KB of headers pass; 70 KB answer 431", async () => {
    expect(await raw(port, `GET /a HTTP/1.1\r\nhost: localhost\r\n${headerLines(20, 2000)}\r\n`)).toBe(200);
    expect(await raw(port, `GET /a HTTP/1.1\r\nhost: localhost\r\n${headerLines(35, 2000)}\r\n`)).toBe(431);
  });

  it("a header name with an underscore passes (headers_with_underscores_action ALLOW)", async () => {
    expect(await raw(port, `GET /a HTTP/1.1\r\nhost: localhost\r\nx_user: me\r\n\r\n`)).toBe(200);
    expect(seen.at(-1)!["x_user"]).toBe("me");
  });

  it("two Host headers are joined, as Envoy joins them: neither alone selects a virtual host", async () => {
    expect(await raw(port, `GET /a HTTP/1.1\r\nhost: localhost\r\nhost: evil.test\r\n\r\n`)).toBe(200);
    expect(seen.at(-1)!.host).toBe("localhost,evil.test");
  });

  it.each([["CR", "\r"], ["LF", "\n"]])("a bare %s inside the request target is refused and reaches no upstream", async (_name, ch) => {
    const before = seen.length;
    // Envoy answers a bare CR with 400 and a bare LF (which ends a version-less request line)
    // with 426; Node's parser answers 400 to both.
    expect([400, 426]).toContain(await raw(port, `GET /a${ch}b HTTP/1.1\r\nhost: localhost\r\n\r\n`));
    expect(seen.length).toBe(before);
  });
});
