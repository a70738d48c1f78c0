// build.mjs — bundles the COP page for offline use: src/main.js (+ d3-geo, topojson-client
// and Natural Earth 50m countries from world-atlas) into dist/app.js, and copies
// src/index.html and src/style.css. Run by CMake (target trilink_cop_web) or `npm run build`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
await build({
  entryPoints: ['src/main.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100'],
  outfile: 'dist/app.js',
  loader: { '.json': 'json' },
  legalComments: 'eof',
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(`src/${f}`, `dist/${f}`);
