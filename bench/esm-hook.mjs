// Node ESM resolve hook: tfjs-core's ESM tree (dist/**/*.js, needed for its gradient registrations)
// uses extensionless relative imports, and `./gradients` is both a file and a folder, which Node
// (and tsx) refuse. Resolve such specifiers to `<spec>.js` first.  Use: node --import ./bench/esm-hook.mjs
import { register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
  import { existsSync } from 'node:fs';
  import { fileURLToPath } from 'node:url';
  export async function resolve(spec, ctx, next) {
    const p = ctx.parentURL || '';
    if (spec.startsWith('.') && p.includes('/@tensorflow/') && !/\\.[cm]?js$/.test(spec)) {
      const url = new URL(spec + '.js', p);
      if (existsSync(fileURLToPath(url))) return next(url.href, ctx);
    }
    return next(spec, ctx);
  }
`));
