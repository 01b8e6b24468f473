#!/usr/bin/env node
// The `whittle` command: runs the TypeScript sources through tsx (no build step needed for the CLI).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main/cli.ts');
const code = await main(process.argv.slice(2));
// Flush stdout before exiting: a piped consumer must receive the whole JSON.
process.stdout.write('', () => process.exit(code));
