// Worker-thread entry that can run TypeScript modules: registers tsx's loader in this thread,
// then imports the real entry named in workerData.__entry. (Loader flags given in a Worker's
// execArgv do not reach its module loader on Node 20.)
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.__entry);
