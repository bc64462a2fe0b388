import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

// `vite dev` forwards the API and the /ops socket to a running coordinator (default: the CLI's port 8080).
const coordinator = process.env.FEDFUSE_COORDINATOR_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the coordinator serves dist/ at its root, but a proxy may mount it under a path.
  base: './',
  esbuild: { jsx: 'automatic' },
  // Bundle the workspace packages from their sources (their "source" export), so no prior build is needed.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod's own comments confuse rollup's annotation parser: harmless, and not ours to fix.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/')) return;
        // react-query's "use client" marks server components; a client-only bundle has none.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && warning.id?.includes('/node_modules/')) return;
        // Locating that (dropped) directive in react-query's own source maps fails the same way.
        if (warning.code === 'SOURCEMAP_ERROR' && warning.id?.includes('/node_modules/')) return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      '/api': coordinator,
      '/socket.io': { target: coordinator, ws: true },
    },
  },
});
