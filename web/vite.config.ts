import { fileURLToPath, URL } from "node:url";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig, loadEnv } from "vite";

/**
 * The dashboard talks to the API same-origin under /v1 (session cookies, no CORS). In dev and
 * preview, Vite forwards /v1 to the API Worker (VITE_API_ORIGIN, default http://127.0.0.1:8787);
 * in production the Pages Function in web/functions/ does.
 *
 * The proxy keeps the browser's Host header (no changeOrigin): the API then sees the dashboard's
 * origin as its own, so its CSRF Origin check passes and the links it builds (password reset,
 * OAuth callback) point at the dashboard.
 */
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), "VITE_");
  const apiOrigin = process.env.VITE_API_ORIGIN || env.VITE_API_ORIGIN || "http://127.0.0.1:8787";
  const proxy = { "/v1": { target: apiOrigin, changeOrigin: false } };

  return {
    plugins: [react(), tailwindcss()],
    resolve: {
      alias: {
        "@shared": fileURLToPath(new URL("../workers/shared", import.meta.url)),
        "@": fileURLToPath(new URL("./src", import.meta.url)),
      },
    },
    server: { port: 5173, strictPort: true, proxy },
    preview: { port: 4173, strictPort: true, proxy },
    build: {
      outDir: "dist",
      emptyOutDir: true,
      // No source maps in what gets deployed: a public .map hands out the app's original source.
      // `SWITCHBOARD_WEB_SOURCEMAP=hidden` writes them (without the sourceMappingURL comment) for an
      // error tracker; move them out of dist/ before deploying (docs/deploy.md, step 8).
      sourcemap: process.env.SWITCHBOARD_WEB_SOURCEMAP === "hidden" ? "hidden" : false,
      rolldownOptions: {
        output: {
          // Libraries change less often than the app: separate chunks stay cached across deploys.
          codeSplitting: {
            groups: [
              { name: "react", test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
              // qrcode (and its helpers) stays with the lazy account-security chunk that uses it.
              { name: "vendor", test: /node_modules[\\/](?!qrcode|dijkstrajs|pngjs|encode-utf8)/ },
            ],
          },
        },
      },
    },
  };
});
