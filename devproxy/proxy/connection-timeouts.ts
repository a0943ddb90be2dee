// Envoy's downstream connection timeouts (http_connection_manager.proto, core/v3/protocol.proto)
// on every kind of connection the listeners serve: HTTP/1.1 in plain text and over TLS, and
// HTTP/2 (h2c and TLS). Node's own checks cannot provide them here: connections reach the HTTP
// servers by emit("connection"), never through listen(), so their header and request timers
// never run.
// - request_headers_timeout: from the first byte of a request head until the head is complete;
//   when it fires the client gets 408 and the connection closes. HTTP/2 surfaces a stream only
//   once its header block is complete (nghttp2 buffers it), so an HTTP/2 connection with half
//   a header block has no active stream and ends at idle_timeout.
// - idle_timeout (common_http_protocol_options): no request in progress for this long closes
//   the connection (HTTP/2: GOAWAY, then close). It runs from accept, so a connection that
//   never sends a byte, or never finishes its TLS handshake, is closed too.
// - stream_idle_timeout: a request that moves no bytes for this long ends — 408 `stream
//   timeout` when no response has started, else the stream is reset (HTTP/1.1: the
//   connection closed).
import type http from "node:http";
import http2 from "node:http2";
import type net from "node:net";
import type { HcmLimits } from "../config/listeners.ts";

type LimitsOf = (socket: net.Socket) => HcmLimits | undefined;

interface State { active: boolean; headersTimer?: NodeJS.Timeout; response?: http.ServerResponse }

const timeoutAnswer = (body: string) => `HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;
const REQUEST_TIMEOUT = timeoutAnswer("request header timeout");
const STREAM_TIMEOUT = timeoutAnswer("stream timeout");

/** Ends `socket` after `answer` is flushed (or at once when it cannot be). */
function endWith(socket: net.Socket, answer: string): void {
  socket.end(answer);
  setTimeout(() => socket.destroy(), 100).unref();
}

/** HTTP/1.1 connections: `watch` each one (the plain socket, or the TLS socket once its
 *  handshake chose HTTP/1.1) and report its requests with `request` / `upgrade`. */
export class Http1Timeouts {
  private readonly states = new WeakMap<net.Socket, State>();

  constructor(private readonly limits: LimitsOf) {}

  /** Hooks a plain HTTP/1.1 server: every connection it is given, and its requests. */
  attach(server: http.Server): void {
    server.on("connection", (socket: net.Socket) => this.watch(socket));
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => this.request(req, res));
    server.on("upgrade", (req: http.IncomingMessage) => this.upgrade(req));
  }

  watch(socket: net.Socket): void {
    const state: State = { active: false };
    this.states.set(socket, state);
    this.idleFor(socket, state);
    // With a response in progress the HTTP server hands the timeout to it (request() below).
    socket.on("timeout", () => { if (!state.response) socket.destroy(); });
    socket.on("data", () => {
      const ms = this.limits(socket)?.requestHeadersTimeoutMs ?? 0;
      if (state.active || state.headersTimer || ms <= 0) return;
      state.headersTimer = setTimeout(() => endWith(socket, REQUEST_TIMEOUT), ms);
      state.headersTimer.unref();
    });
    socket.on("close", () => clearTimeout(state.headersTimer));
  }

  request(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = this.started(req);
    if (!socket) return;
    this.states.get(socket)!.response = res;
    res.once("close", () => this.ended(socket));
    res.on("timeout", () => {
      if (res.headersSent) socket.destroy();
      else endWith(socket, STREAM_TIMEOUT);
    });
  }

  /** A tunnel is a stream until it closes: its idle time is stream_idle_timeout's. */
  upgrade(req: http.IncomingMessage): void {
    this.started(req);
  }

  private idleFor(socket: net.Socket, state: State): void {
    const l = this.limits(socket);
    socket.setTimeout(l ? (state.active ? l.streamIdleTimeoutMs : l.idleTimeoutMs) : 0);
  }

  private started(req: http.IncomingMessage): net.Socket | undefined {
    const socket = req.socket as net.Socket;
    const state = this.states.get(socket);
    if (!state) return undefined;
    clearTimeout(state.headersTimer);
    state.headersTimer = undefined;
    state.active = true;
    this.idleFor(socket, state);
    return socket;
  }

  private ended(socket: net.Socket): void {
    const state = this.states.get(socket);
    if (!state) return;
    state.active = false;
    state.response = undefined;
    this.idleFor(socket, state);
  }
}

/** HTTP/2 sessions of `server` (h2c, or TLS with ALPN h2): idle_timeout while no stream is
 *  open, stream_idle_timeout per stream. */
export function enforceHttp2Timeouts(server: http2.Http2Server | http2.Http2SecureServer, limits: LimitsOf): void {
  server.on("session", (session: http2.ServerHttp2Session) => {
    const socket = session.socket as net.Socket;
    let open = 0;
    let idle: NodeJS.Timeout | undefined;
    const armIdle = () => {
      clearTimeout(idle);
      const ms = limits(socket)?.idleTimeoutMs ?? 0;
      if (ms <= 0) return;
      idle = setTimeout(() => {
        if (session.destroyed) return;
        session.close(); // GOAWAY, no new streams
        setTimeout(() => session.destroy(), 1000).unref();
      }, ms);
      idle.unref();
    };
    armIdle();
    session.on("stream", (stream: http2.ServerHttp2Stream) => {
      open++;
      clearTimeout(idle);
      const ms = limits(socket)?.streamIdleTimeoutMs ?? 0;
      if (ms > 0) {
        stream.setTimeout(ms, () => {
          if (stream.destroyed) return;
          if (stream.headersSent) return void stream.close(http2.constants.NGHTTP2_CANCEL);
          stream.respond({ ":status": 408, "content-type": "text/plain" });
          stream.end("stream timeout");
        });
      }
      stream.once("close", () => { if (--open === 0) armIdle(); });
    });
    session.once("close", () => clearTimeout(idle));
  });
}
