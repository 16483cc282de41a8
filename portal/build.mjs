// Builds the portal into dist/: one JS bundle (the app, Chart.js), one CSS bundle (USWDS and ours),
// the fonts and icons the CSS references, and index.html. No CDN, no inline script or style.
import { build } from "esbuild";
import { copyFile, mkdir, rm, stat } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { readFile } from "node:fs/promises";
import { checkTypes } from "./scripts/openapi-types.mjs";

const started = Date.now();
await checkTypes(); // the API's types are generated from its OpenAPI document; drift fails the build
await rm("dist", { recursive: true, force: true });
await mkdir("dist/assets", { recursive: true });
await build({
  entryPoints: { app: "src/main.ts", styles: "src/styles.css" },
  outdir: "dist/assets",
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["es2020"],
  legalComments: "linked",
  loader: { ".woff2": "file", ".woff": "file", ".ttf": "file", ".svg": "file", ".png": "file", ".gif": "file", ".jpg": "file" },
  assetNames: "media/[name]-[hash]",
  logLevel: "warning",
});
await copyFile("src/index.html", "dist/index.html");

let gzipped = 0;
for (const name of ["app.js", "styles.css"]) {
  gzipped += gzipSync(await readFile(`dist/assets/${name}`)).length;
}
const js = (await stat("dist/assets/app.js")).size;
console.log(
  `portal built in ${Date.now() - started} ms: app.js ${(js / 1024).toFixed(0)} KB, ` +
    `JS + CSS gzipped ${(gzipped / 1024).toFixed(0)} KB (fonts and icons aside)`,
);
