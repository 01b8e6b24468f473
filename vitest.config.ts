import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// Tests that cannot run on this machine record why here (test/helpers/prereqs.ts); the summary
// reporter lists them at the end. Set before the test processes start, so they inherit it.
if (!process.env.WHITTLE_SKIP_LOG) {
  process.env.WHITTLE_SKIP_LOG = path.join(os.tmpdir(), `whittle-skips-${process.pid}.jsonl`);
  fs.rmSync(process.env.WHITTLE_SKIP_LOG, { force: true });
}

export default defineConfig({
  plugins: [svelte({ compilerOptions: { runes: true } })],
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules', 'out', 'test/fixtures/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Engine tests are CPU-bound; two files at once on two cores, no more.
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
