// Sends one request as raw bytes on its own TCP connection, so a test can put on the wire what
// an HTTP client library would refuse or fix (dot segments, backslashes, control bytes,
// absolute-form targets, several Host headers), and reads the answer as the proxy wrote it.
import net from "node:net";

export interface RawAnswer {
  /** 0 when the proxy closed the connection without an HTTP response. */
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length;) {
    const eol = body.indexOf("\r\n", at);
    const size = parseInt(body.subarray(at, eol).toString("latin1"), 16);
    if (!size) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export function parseAnswer(raw: Buffer): RawAnswer {
  const split = raw.indexOf("\r\n\r\n");
  if (split < 0) return { status: 0, headers: [], body: "" };
  const [statusLine, ...lines] = raw.subarray(0, split).toString("latin1").split("\r\n");
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  const chunked = headers.some(([k, v]) => k === "transfer-encoding" && /chunked/i.test(v));
  const rest = raw.subarray(split + 4);
  return { status: Number(statusLine!.split(" ")[1] ?? 0), headers, body: (chunked ? dechunk(rest) : rest).toString("latin1") };
}

/** Writes `head` (request line and headers, CRLF-terminated, no final blank line) and reads
 *  until the proxy closes; the request asks for that with `connection: close`. */
export function rawExchange(port: number, head: Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(Buffer.concat([head, Buffer.from("connection: close\r\n\r\n")])));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (d: Buffer) => chunks.push(d));
    const done = () => {
      clearTimeout(timer);
      resolve(parseAnswer(Buffer.concat(chunks)));
    };
    socket.on("end", done);
    // A proxy that refuses a request head may reset the connection after its 400.
    socket.on("error", done);
  });
}
