// Builds the optional native kernels (native/build/Release/whittle_native.node).
// Never fails the install: without the addon Whittle runs on the wasm kernels alone.
//   node native/build.mjs            build (node-gyp when available, else a direct cc call)
//   node native/build.mjs --strict   exit 1 on failure (for CI that must have it)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'build', 'Release', 'whittle_native.node');
const strict = process.argv.includes('--strict');
const say = (m) => process.stderr.write(`whittle native: ${m}\n`);

function nodeGyp() {
  // npm ships node-gyp; npm_config_node_gyp points at it inside install scripts.
  const cands = [process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
  return cands.find((p) => p && fs.existsSync(p));
}

function headerDir() {
  const cands = [process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  return cands.find((p) => p && fs.existsSync(path.join(p, 'node_api.h')));
}

// The addon's C files, as binding.gyp lists them (one list for both builds).
function sources() {
  return JSON.parse(fs.readFileSync(path.join(here, 'binding.gyp'), 'utf8')).targets[0].sources;
}

function direct() {
  // Linux/macOS without node-gyp: N-API symbols resolve against the running node at load time.
  const inc = headerDir();
  if (!inc || process.platform === 'win32') throw new Error('no node headers for a direct build');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const flags = ['-O3', '-std=c11', '-fPIC', '-shared', '-fno-math-errno', `-I${inc}`, '-o', out, ...sources().map((f) => path.join(here, f))];
  if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup'); else flags.push('-fopenmp', '-ldl', '-lm');
  execFileSync(process.env.CC || 'cc', flags, { stdio: 'inherit' });
}

try {
  let done = false;
  const gyp = nodeGyp();
  const inc = headerDir();
  if (gyp && (inc || process.platform === 'win32')) {
    try {
      const args = [gyp, 'rebuild', '--directory', here];
      // Use local headers when present so the build works offline.
      if (inc && !process.env.npm_config_nodedir) args.push(`--nodedir=${path.resolve(inc, '..', '..')}`);
      execFileSync(process.execPath, args, { stdio: 'inherit' });
      done = fs.existsSync(out);
    } catch (e) { say(`node-gyp failed (${e.message.split('\n')[0]}); trying a direct build`); }
  }
  if (!done) direct();
  say(`built ${path.relative(process.cwd(), out)}`);
} catch (e) {
  say(`not built (${e.message.split('\n')[0]}); Whittle will use the wasm kernels only`);
  if (strict) process.exit(1);
}
