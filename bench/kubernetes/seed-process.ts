// Creates the benchmark cluster (seed.ts) through the API of the kubeconfig given as the first
// argument, in its own process, so the control plane's RSS is measured without the seeding
// client. Prints {"objects": n, "ms": t} when done.
import { KubeConfig } from "@kubernetes/client-node";
import { clusterObjects, createAll } from "./seed.ts";

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(process.argv[2]);
const started = performance.now();
const objects = await createAll(kubeConfig, clusterObjects(), 32);
process.stdout.write(`${JSON.stringify({ objects, ms: performance.now() - started })}\n`);
