// Bundle the pages' entry points into static/dist (served by whitenoise; git-ignored).
// One bundle per page, ES modules, minified, with source maps; `node static/build.mjs --watch` rebuilds.
import * as esbuild from "esbuild";
import { readdirSync } from "node:fs";

const entries = readdirSync("static/src")
  .filter((name) => name.endsWith(".js"))
  .map((name) => ({ in: `static/src/${name}`, out: name.replace(/\.js$/, "") }));

const options = {
  entryPoints: [...entries, { in: "static/css/app.css", out: "app" }],
  bundle: true,
  format: "esm",
  splitting: true, // hls.js becomes a chunk loaded only when adaptive playback is used
  chunkNames: "chunks/[name]-[hash]",
  target: ["es2020"],
  outdir: "static/dist",
  minify: true,
  sourcemap: true,
  logLevel: "warning",
};

if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
