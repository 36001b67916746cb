// Vite builds the client into dist/: index.html, hashed files under assets/ (cached for a year
// by the server), everything as external files so that the server's Content-Security-Policy
// (script-src 'self'; style-src 'self') needs no inline exception.
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  base: '/',
  define: {
    __VUE_OPTIONS_API__: 'false', // our components use <script setup> only
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    assetsInlineLimit: 0, // no data: URLs for scripts or styles
    modulePreload: { polyfill: false }, // every browser we support has modulepreload
    cssCodeSplit: true,
    sourcemap: false,
    reportCompressedSize: false,
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
});
