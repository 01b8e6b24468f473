// `whittle serve`: browser mode for machines reached over SSH.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultRendererDir, startServer } from '../serve';
import { UsageError } from './args';
import { type Command, EXIT } from './command';
import { printJson } from './output';

export const serveCommand: Command = {
  name: 'serve', summary: 'serve the app to a browser on 127.0.0.1 (token-guarded)', usage: 'whittle serve [--port P] [--root DIR]',
  options: [
    { name: 'port', type: 'number', valueName: 'P', description: 'port on 127.0.0.1 (default 7474; 0 = any free port)' },
    { name: 'root', type: 'string', valueName: 'DIR', description: 'the only folder the page may export to or import from (default: your home folder)' },
  ],
  async run(ctx) {
    const port = (ctx.args.options.port as number | undefined) ?? 7474;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port expects a whole number from 0 to 65535 (got ${port})`);
    // Exports and imports requested from the page stay inside this folder (a page holding the token
    // must not reach the whole disk); the API offers no way to widen it.
    const rootArg = ctx.args.options.root as string | undefined;
    const root = path.resolve(rootArg ?? os.homedir());
    if (rootArg !== undefined && !(fs.existsSync(root) && fs.statSync(root).isDirectory())) throw new UsageError(`--root expects an existing folder (got ${rootArg})`);
    const renderer = defaultRendererDir();
    if (!renderer.built) {
      const where = renderer.packageRoot ? ` in ${renderer.packageRoot}` : '';
      ctx.io.err(`whittle serve: the app is not built yet (no built page in ${renderer.dir}).\n` +
        `Build it once with \`npm run build\`${where}, then run \`whittle serve\` again.\n`);
      return EXIT.failed;
    }
    const rendererDir = renderer.dir;
    const svc = ctx.service({ mode: 'browser', folderRoots: [root] });
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer({ service: svc, port, rendererDir });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') { ctx.io.err(`whittle serve: port ${port} on 127.0.0.1 is in use; choose another with --port P (0 = any free port)\n`); return EXIT.failed; }
      if (code === 'EACCES') { ctx.io.err(`whittle serve: no permission to listen on port ${port}; choose a port above 1023 with --port P\n`); return EXIT.failed; }
      throw e;
    }
    if (ctx.json) printJson(ctx.io, { url: server.url, port: server.port, home: svc.store.home, root });
    else ctx.io.out(`Whittle is serving at ${server.url}\nOver SSH: ssh -L ${server.port}:127.0.0.1:${server.port} HOST, then open that URL here.\nData folder: ${svc.store.home}. Exports and imports limited to ${root}. Ctrl-C stops.\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    return EXIT.ok;
  },
};
