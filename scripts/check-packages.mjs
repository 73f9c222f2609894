#!/usr/bin/env node
/**
 * Checks what each package would publish (pnpm pack --dry-run, after `npm run build`): its README,
 * LICENSE and every file its package.json points to (exports, main, types, bin) are in it, every
 * source map's sources are too (so a debugger or "go to definition" lands on real code), and no test.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const problems = [];

/** Every string target of an `exports` map (nested conditions included). */
function targets(value) {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}

for (const name of readdirSync(path.join(root, 'packages'))) {
  const dir = path.join(root, 'packages', name);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const out = execFileSync('npx', ['-y', 'pnpm@10.34.8', 'pack', '--dry-run', '--json'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  // The prepack script's echo comes first; the JSON report is the rest.
  const report = JSON.parse(out.slice(out.search(/^\{/m)));
  const files = new Set(report.files.map((f) => f.path));
  const need = (file, why) => {
    const normal = path.posix.normalize(file).replace(/^\.\//, '');
    if (!files.has(normal)) problems.push(`${manifest.name}: ${normal} (${why}) is not packed`);
  };
  need('README.md', 'readme');
  need('LICENSE', 'licence');
  for (const target of targets(manifest.exports)) need(target, 'exports');
  for (const field of ['main', 'types']) if (manifest[field]) need(manifest[field], field);
  for (const bin of targets(manifest.bin)) need(bin, 'bin');
  for (const file of files) {
    if (/(^|\/)test\//.test(file) || /\.test\.[cm]?[jt]s$/.test(file)) problems.push(`${manifest.name}: a test is packed: ${file}`);
    if (!file.endsWith('.map')) continue;
    const map = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    for (const source of map.sources) need(path.posix.join(path.posix.dirname(file), map.sourceRoot ?? '', source), `source of ${file}`);
  }
  console.log(`${manifest.name}: ${files.size} files`);
}

if (problems.length > 0) {
  console.error(problems.slice(0, 20).join('\n'));
  if (problems.length > 20) console.error(`... and ${problems.length - 20} more`);
  process.exit(1);
}
console.log('packages: complete');
