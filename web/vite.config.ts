import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The build goes straight into the server module's classpath (/web), so the jar serves the UI.
// `npm run dev` proxies the API to SKBSCOPE_URL (default: the dev mock, npm run mock).
const target = process.env.SKBSCOPE_URL ?? 'http://127.0.0.1:5055';

export default defineConfig({
  plugins: [react()],
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../skbscope-server/target/classes/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/api': target,
      '/socket.io': { target, ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
