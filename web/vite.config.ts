import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// The app is built into dist/web and served by Croft itself at `/`; in development `vite` proxies
// the API (and the live socket) to a Croft running on :8080.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [
    react(),
    // The installable app: a manifest, and a service worker that keeps the app's own files (never the API:
    // a person's data is kept per person by the app itself, see src/offline). Registered by main.tsx, only
    // where the browser allows a service worker at all (https, or this machine).
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false,
      includeAssets: ['favicon.svg', 'apple-touch-icon.png'],
      manifest: {
        name: 'Croft',
        short_name: 'Croft',
        description: 'Farm work: crops, nursery stock, hives and houses.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#1b5e20',
        background_color: '#ffffff',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The app shell and every lazily loaded page, so any page opens without a connection.
        globPatterns: ['**/*.{js,css,html,svg,png,woff2}'],
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { '/api': { target: 'http://localhost:8080', ws: true } },
  },
});
