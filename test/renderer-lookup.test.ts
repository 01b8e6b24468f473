// Which page browser mode serves: the built renderer however the CLI was reached (source checkout,
// the built bundle, an installed package), never the unbuilt source page, and a plain message when
// there is no build.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main/cli';
import { findRendererDir, isBuiltRenderer } from '../src/main/serve';
import { tmpHome } from './helpers/tmp';

const SOURCE_PAGE = '<!doctype html><div id="app"></div><script type="module" src="./main.ts"></script>';
const BUILT_PAGE = '<!doctype html><script type="module" crossorigin src="./assets/index-abc123.js"></script><div id="app"></div>';

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** A package folder laid out like the repository: src/main, src/renderer (source page), out/. */
function layout(root: string, opts: { built: boolean }): void {
  write(path.join(root, 'package.json'), JSON.stringify({ name: 'whittle', version: '0.0.0' }));
  write(path.join(root, 'src/main/serve.ts'), '');
  write(path.join(root, 'src/renderer/index.html'), SOURCE_PAGE);
  if (opts.built) {
    write(path.join(root, 'out/renderer/index.html'), BUILT_PAGE);
    write(path.join(root, 'out/main/index.js'), '');
  }
}

describe('the renderer browser mode serves', () => {
  it('tells a built page from the source page', () => {
    const dir = tmpHome();
    write(path.join(dir, 'src/index.html'), SOURCE_PAGE);
    write(path.join(dir, 'built/index.html'), BUILT_PAGE);
    expect(isBuiltRenderer(path.join(dir, 'src'))).toBe(false);
    expect(isBuiltRenderer(path.join(dir, 'built'))).toBe(true);
    expect(isBuiltRenderer(path.join(dir, 'nothing'))).toBe(false);
  });

  it('is out/renderer from the sources, from the bundle and from an installed package, never src/renderer', () => {
    const checkout = tmpHome();
    layout(checkout, { built: true });
    const want = path.join(checkout, 'out/renderer');
    expect(findRendererDir(path.join(checkout, 'src/main'))).toEqual({ dir: want, built: true });
    expect(findRendererDir(path.join(checkout, 'out/main'))).toEqual({ dir: want, built: true });

    const project = tmpHome();
    const installed = path.join(project, 'node_modules/whittle');
    layout(installed, { built: true });
    write(path.join(project, 'package.json'), JSON.stringify({ name: 'lab-scripts' }));
    expect(findRendererDir(path.join(installed, 'src/main'))).toEqual({ dir: path.join(installed, 'out/renderer'), built: true });
  });

  it('without a build, names the folder `npm run build` fills instead of falling back to the source page', () => {
    const outer = tmpHome();
    const checkout = path.join(outer, 'whittle');
    layout(checkout, { built: false });
    // A built renderer of something else in a parent folder must not be picked up either.
    write(path.join(outer, 'out/renderer/index.html'), BUILT_PAGE);
    expect(findRendererDir(path.join(checkout, 'src/main'))).toEqual({ dir: path.join(checkout, 'out/renderer'), built: false, packageRoot: checkout });
  });

  it('`whittle serve` without a build says how to build and exits 1', async () => {
    const empty = tmpHome();
    const before = process.env.WHITTLE_RENDERER;
    process.env.WHITTLE_RENDERER = path.join(empty, 'renderer'); // a folder with no build in it
    let err = '';
    try {
      const code = await main(['serve', '--port', '0', '--home', empty], { out: () => {}, err: (s) => (err += s), tty: false });
      expect(code).toBe(1);
    } finally {
      if (before === undefined) delete process.env.WHITTLE_RENDERER; else process.env.WHITTLE_RENDERER = before;
    }
    expect(err).toContain('the app is not built yet');
    expect(err).toContain('npm run build');
  });
});
