// Copies the browser libraries restored by `npm ci` into wwwroot/lib (git-ignored), then writes a stamp file
// that MSBuild uses to skip the step until package-lock.json changes.
import { cpSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lib = join(root, "wwwroot", "lib");
const files = [
  ["node_modules/htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
  ["node_modules/@microsoft/signalr/dist/browser/signalr.min.js", "signalr/signalr.min.js"],
  ["node_modules/uplot/dist/uPlot.iife.min.js", "uplot/uPlot.iife.min.js"],
  ["node_modules/uplot/dist/uPlot.min.css", "uplot/uPlot.min.css"],
];
for (const [from, to] of files) {
  const src = join(root, from);
  if (!existsSync(src)) {
    console.error(`copy-browser-libs: ${from} is missing; run 'npm ci' in ${root}`);
    process.exit(1);
  }
  mkdirSync(dirname(join(lib, to)), { recursive: true });
  cpSync(src, join(lib, to));
}
writeFileSync(join(lib, ".restored"), new Date().toISOString() + "\n");
console.log(`copy-browser-libs: ${files.length} files in wwwroot/lib`);
