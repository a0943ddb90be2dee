import { defineConfig } from "vitest/config";

// Runs only the fixture suite, with the same end-of-run report as the project's config; used
// by test/tools.test.ts with ATTACHE_TOOLS_DIR pointing at an empty folder.
export default defineConfig({
  test: {
    include: ["test/tools-fixture/*.fixture.ts"],
    pool: "forks",
    globalSetup: ["test/tools-report.ts"],
  },
});
