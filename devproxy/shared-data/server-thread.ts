// The shared-data thread: owns the one store (host/ InProcessSharedData semantics: per-vm_id
// maps, CAS, data dropped after the last VM of a vm_id detaches) and answers the workers'
// channels. It sleeps on the doorbell with Atomics.wait, so it costs nothing when idle.
import { workerData } from "node:worker_threads";
import { InProcessSharedData } from "../../host/shared-data.ts";
import {
  HEADER_BYTES, OP_ATTACH, OP_DETACH, OP_GET, OP_SET, RESULT_CAS_MISMATCH, RESULT_NOT_FOUND, RESULT_OK, RESULT_TOO_LARGE,
  STATE_REQUEST, STATE_RESPONSE, readPayload, writePayload,
} from "./protocol.ts";

const { doorbell: doorbellBuffer, channels } = workerData as { doorbell: SharedArrayBuffer; channels: SharedArrayBuffer[] };
const doorbell = new Int32Array(doorbellBuffer);
const ctrls = channels.map((b) => new Int32Array(b, 0, 4));
const bytes = channels.map((b) => new Uint8Array(b));
const store = new InProcessSharedData();

function serve(i: number): void {
  const ctrl = ctrls[i];
  const req = readPayload(bytes[i]);
  let result = RESULT_OK;
  let length = 0;
  switch (Atomics.load(ctrl, 1)) {
    case OP_GET: {
      const found = store.get(req.vmId, req.key);
      if (!found) result = RESULT_NOT_FOUND;
      else {
        length = writePayload(bytes[i], "", "", found.value, found.cas);
        if (length < 0) { result = RESULT_TOO_LARGE; length = 0; }
      }
      break;
    }
    case OP_SET:
      result = store.set(req.vmId, req.key, req.value, req.cas) === "ok" ? RESULT_OK : RESULT_CAS_MISMATCH;
      break;
    case OP_ATTACH:
      store.attach(req.vmId);
      break;
    case OP_DETACH:
      store.detach(req.vmId);
      break;
  }
  Atomics.store(ctrl, 2, result);
  Atomics.store(ctrl, 3, length);
  Atomics.store(ctrl, 0, STATE_RESPONSE);
  Atomics.notify(ctrl, 0);
}

let seen = Atomics.load(doorbell, 0);
for (;;) {
  // Serve every pending channel, then sleep until the doorbell moves.
  let served = true;
  while (served) {
    served = false;
    for (let i = 0; i < ctrls.length; i++) {
      if (Atomics.load(ctrls[i], 0) === STATE_REQUEST) { serve(i); served = true; }
    }
  }
  Atomics.wait(doorbell, 0, seen);
  seen = Atomics.load(doorbell, 0);
  if (seen < 0) break; // shutdown
}
void HEADER_BYTES;
