/// <reference types="vitest/config" />
import { writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const outDir = resolve(import.meta.dirname, 'dist');

// The server binary embeds dist/, so the folder and its placeholder must exist
// even right after the build empties it.
function keepDistPlaceholder(): Plugin {
  return {
    name: 'sentry-keep-dist-placeholder',
    apply: 'build',
    closeBundle() {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(resolve(outDir, '.gitkeep'), '');
    },
  };
}

const backend = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [svelte(), keepDistPlaceholder()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': backend,
      '/health': backend,
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    // A cold module import on a busy 2-core machine can take longer than
    // the default 5 s; a test that hangs still fails, later.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
