// Envoy's downstream connection timeouts for HTTP/1.1 (http_connection_manager.proto,
// core/v3/protocol.proto), which Node's own checks cannot provide here: connections reach the
// HTTP server by emit("connection"), never through listen(), so its header and request timers
// never run.
// - request_headers_timeout: from the first byte of a request head until the head is complete;
//   when it fires the client gets 408 and the connection closes.
// - idle_timeout (common_http_protocol_options): no request in progress and no bytes for this
//   long closes the connection.
// - stream_idle_timeout: a request in progress that moves no bytes for this long is reset.
import type http from "node:http";
import type net from "node:net";
import type { HcmLimits } from "../config/listeners.ts";

interface State { active: boolean; headersTimer?: NodeJS.Timeout }

export function enforceConnectionTimeouts(server: http.Server, limits: () => HcmLimits | undefined): void {
  const states = new WeakMap<net.Socket, State>();
  const idleFor = (socket: net.Socket, state: State) => {
    const l = limits();
    socket.setTimeout(l ? (state.active ? l.streamIdleTimeoutMs : l.idleTimeoutMs) : 0);
  };
  server.on("connection", (socket: net.Socket) => {
    const state: State = { active: false };
    states.set(socket, state);
    idleFor(socket, state);
    socket.on("timeout", () => socket.destroy());
    socket.on("data", () => {
      const ms = limits()?.requestHeadersTimeoutMs ?? 0;
      if (state.active || state.headersTimer || ms <= 0) return;
      state.headersTimer = setTimeout(() => {
        socket.end("HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: 22\r\nconnection: close\r\n\r\nrequest header timeout");
        setTimeout(() => socket.destroy(), 100).unref();
      }, ms);
      state.headersTimer.unref();
    });
    socket.on("close", () => clearTimeout(state.headersTimer));
  });
  const started = (req: http.IncomingMessage) => {
    const socket = req.socket as net.Socket;
    const state = states.get(socket);
    if (!state) return undefined;
    clearTimeout(state.headersTimer);
    state.headersTimer = undefined;
    state.active = true;
    idleFor(socket, state);
    return { socket, state };
  };
  const ended = (entry: { socket: net.Socket; state: State } | undefined) => {
    if (!entry) return;
    entry.state.active = false;
    idleFor(entry.socket, entry.state);
  };
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const entry = started(req);
    res.once("close", () => ended(entry));
  });
  // A tunnel is a stream until it closes: its idle time is stream_idle_timeout's.
  server.on("upgrade", (req: http.IncomingMessage) => { started(req); });
}
