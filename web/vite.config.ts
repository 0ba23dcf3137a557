import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app is built into dist/web and served by Croft itself at `/`; in development `vite` proxies
// the API (and the live socket) to a Croft running on :8080.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { '/api': { target: 'http://localhost:8080', ws: true } },
  },
});
