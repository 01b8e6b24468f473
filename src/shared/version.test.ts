import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { WHITTLE_VERSION } from './version';

it('matches package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
  expect(WHITTLE_VERSION).toBe(pkg.version);
});
