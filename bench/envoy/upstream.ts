// The upstream of the per-request bench: Debian's nginx with one worker answering 200 from
// memory, far cheaper per request than Envoy itself, so it never limits the measured Envoy.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { locate } from "../../scripts/tools/registry.ts";
import { toolNamed } from "../../scripts/tools/tools.ts";

export class NginxUpstream {
  private constructor(private readonly child: ChildProcess, private readonly dir: string, readonly port: number) {}

  get pid(): number { return this.child.pid!; }

  static async start(port: number): Promise<NginxUpstream> {
    const nginx = locate(toolNamed("nginx"));
    if (!nginx) throw new Error("nginx not installed: apt-get install -y nginx-light");
    const dir = mkdtempSync(join(tmpdir(), "attache-bench-nginx-"));
    writeFileSync(join(dir, "nginx.conf"), `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "ok\\n"; }
  }
}
`);
    const child = spawn(nginx, ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (c) => (stderr += c));
    const upstream = new NginxUpstream(child, dir, port);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      if (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false)) return upstream;
      if (Date.now() > deadline) throw new Error(`nginx did not answer: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
