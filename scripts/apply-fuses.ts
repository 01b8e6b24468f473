// Flip the Electron fuses of a packaged Whittle (src/main/electron/fuses.ts) in its Electron binary:
//   npm i --no-save @electron/fuses && node --import tsx scripts/apply-fuses.ts <path to packaged Electron binary>
// @electron/fuses is not a dependency of this repository (packaging happens outside it); this script
// tells you so instead of failing with a stack trace.
import { FUSES } from '../src/main/electron/fuses';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node --import tsx scripts/apply-fuses.ts <path to the packaged Electron binary>');
  process.exit(2);
}
let fuses: { flipFuses: (p: string, c: Record<string | number, unknown>) => Promise<unknown>; FuseVersion: { V1: unknown }; FuseV1Options: Record<string, number> };
try {
  fuses = await import('@electron/fuses' as string);
} catch {
  console.error('apply-fuses: @electron/fuses is not installed; run `npm i --no-save @electron/fuses` first.');
  process.exit(1);
}
const config: Record<string | number, unknown> = { version: fuses.FuseVersion.V1 };
for (const [name, on] of Object.entries(FUSES)) {
  const key = fuses.FuseV1Options[name];
  if (key === undefined) { console.error(`apply-fuses: this @electron/fuses has no fuse ${name}`); process.exit(1); }
  config[key] = on;
}
await fuses.flipFuses(binary, config);
console.log(`apply-fuses: ${Object.entries(FUSES).map(([k, v]) => `${k}=${v}`).join(', ')} set in ${binary}`);
