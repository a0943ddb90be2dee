// Runs the API stand-in seeded with the benchmark cluster in its own process, so the
// control plane's RSS is measured without it. Prints {"url": ...} once ready; exits when
// its stdin closes.
import { KubeApiStandIn } from "../../test/kube-apiserver/index.ts";
import { clusterObjects } from "./seed.ts";

const api = await KubeApiStandIn.start();
let count = 0;
for (const obj of clusterObjects()) {
  api.put(obj);
  count++;
}
process.stdout.write(`${JSON.stringify({ url: api.url, objects: count })}\n`);
process.stdin.resume();
process.stdin.on("end", () => void api.close().then(() => process.exit(0)));
