// Writes charts/attache/crds/*.yaml from crdManifests(): `npx tsx controlplane/api/write-crds.ts`.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { crdFileName, crdManifests, renderCrdYaml } from "./crd-files.ts";

const dir = fileURLToPath(new URL("../../charts/attache/crds/", import.meta.url));
mkdirSync(dir, { recursive: true });
for (const manifest of crdManifests()) {
  writeFileSync(dir + crdFileName(manifest), renderCrdYaml(manifest));
  console.log(`wrote charts/attache/crds/${crdFileName(manifest)}`);
}
