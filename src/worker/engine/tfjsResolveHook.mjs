// Node ESM resolve hook for running the engine from source (tsx): tfjs's ES-module tree (needed for
// its gradient registrations) uses extension-less relative imports, some of which name both a file
// and a folder (`./gradients`). Bundlers resolve these to `<name>.js`; this hook does the same.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent && parent.includes('/node_modules/@tensorflow/') && specifier.startsWith('.') && !/\.(c|m)?js$|\.json$/.test(specifier)) {
    const url = new URL(`${specifier}.js`, parent);
    if (fs.existsSync(fileURLToPath(url))) return next(url.href, context);
  }
  return next(specifier, context);
}
