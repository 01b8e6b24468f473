import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintLayers } from '../scripts/lint-layers';

describe('layering lint', () => {
  it('reports every deliberate violation in the fixture, and nothing else', () => {
    const problems = lintLayers(path.join(__dirname, 'fixtures/layering'));
    const text = problems.join('\n');
    expect(text).toContain("src/shared/bad.ts: imports '../worker/thing' — layer 'shared' may import only shared");
    expect(text).toContain("src/shared/bad.ts: imports 'node:fs' — layer 'shared' may not use Node built-ins");
    expect(text).toContain("src/renderer/bad.ts: imports 'electron'");
    expect(text).toContain("src/renderer/bad.ts: imports '../worker/thing'");
    expect(text).toContain("src/main/services/bad.ts: imports '../../worker/thing'");
    expect(problems.some((p) => p.startsWith('src/worker/thing.ts'))).toBe(false); // worker → shared is allowed
    expect(problems).toHaveLength(5);
  });

  it('passes on the real source tree', () => {
    expect(lintLayers(path.join(__dirname, '..'))).toEqual([]);
  });
});
