import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      // tfjs-core is bundled so its ES-module tree (with the gradient registrations) resolves at build time.
      externalizeDeps: { exclude: ['@tensorflow/tfjs-core'] },
      rollupOptions: {
        input: { index: resolve('src/main/electron/main.ts'), worker: resolve('src/worker/worker.ts') },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // A sandboxed preload must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [svelte()],
    build: { rollupOptions: { input: resolve('src/renderer/index.html') } },
  },
});
