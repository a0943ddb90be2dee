// The benchmark's upstream, in its own process: answers every request with a small body.
import http from "node:http";
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "text/plain", "content-length": "3" }).end("ok\n"));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => process.send?.({ port: server.address().port }));
