// Registers the engine's tfjs ESM resolve hook (src/worker/engine/tfjsResolveHook.mjs) for bench
// child processes run from source: node --import ./bench/esm-hook.mjs --import tsx bench/…
import { register } from 'node:module';

register(new URL('../src/worker/engine/tfjsResolveHook.mjs', import.meta.url));
