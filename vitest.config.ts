import { defineConfig } from "vitest/config";

// Unit tests sit beside the code (`*.test.ts`); cross-component tests live in test/.
// AssemblyScript sources under filters/ are compiled by `npm run build` (pretest), and the
// tests there load the built .wasm from build/, so vitest never compiles AssemblyScript.
export default defineConfig({
  // The workspace packages (filters/sdk, host) export their TypeScript sources under the
  // "source" condition, so tests in this repository run them without a build.
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["{host,controlplane,devproxy,protos,filters,charts,test,scripts,bench}/**/*.test.ts"],
    exclude: ["node_modules/**", "build/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/tools-report.ts"],
  },
});
