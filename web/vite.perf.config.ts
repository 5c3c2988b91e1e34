import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The dashboard performance harness (perf/): a production build of the dashboard fed by the
// harness instead of a socket. Never part of the server jar; web/tests/perf.mjs builds and serves it.
export default defineConfig({
  plugins: [react()],
  root: fileURLToPath(new URL('./perf', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('./dist-perf', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
});
