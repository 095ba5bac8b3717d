// Built by CMake (cmake/web.cmake) into the build folder and compiled into `memgpt server`.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  // Preact's automatic JSX runtime (also declared in tsconfig.json for tsc).
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    target: "es2022",
    // No inline scripts or data URLs: the server's Content-Security-Policy allows 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
