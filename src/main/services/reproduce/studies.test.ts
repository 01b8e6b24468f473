// Which existing study a planned one reuses: the same spec whatever its key order, a finished one
// before a newer stopped one, none when any field differs; and the planned specs of every scale parse.
import { describe, expect, it } from 'vitest';
import type { StudyRow } from '../../../shared/api';
import { canonicalJson } from '../../../shared/canonicalJson';
import { findExistingStudy, plannedSpec } from './studies';
import { SCALES, SUITE } from './suite';

const study = (id: string, spec: unknown, status: StudyRow['status'], createdAt: number): StudyRow =>
  ({ id, name: id, kind: 'nonlocality', spec: spec as StudyRow['spec'], status, createdAt, runIds: [], summary: null });

describe('reusing studies', () => {
  it('compares specs by content, not key order', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });

  it('prefers a finished study, else the newest of the same spec; another seed is another study', () => {
    const spec = plannedSpec(SUITE[1].studies('cpu', 2)[0]);
    const other = plannedSpec(SUITE[1].studies('cpu', 2)[1]);
    const reverse = (v: unknown): unknown => (Array.isArray(v) ? v.map(reverse) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)])) : v);
    const reordered = reverse(spec) as typeof spec;
    expect(Object.keys(reordered)[0]).toBe(Object.keys(spec).at(-1));
    const rows = [study('old-done', spec, 'done', 1), study('new-stopped', spec, 'interrupted', 2), study('seed1', other, 'done', 3)];
    expect(findExistingStudy(rows, spec)?.id).toBe('old-done');
    expect(findExistingStudy(rows.slice(1), reordered)?.id).toBe('new-stopped');
    expect(findExistingStudy([rows[2]], spec)).toBeNull();
  });

  it('plans a valid study spec for every result at every scale', () => {
    for (const scale of SCALES) {
      for (const r of SUITE) {
        const planned = r.studies(scale, r.defaultSeeds[scale]);
        expect(planned.length, `${r.name} ${scale}`).toBeGreaterThan(0);
        for (const p of planned) expect(() => plannedSpec(p), `${r.name} ${scale} ${p.recipe}`).not.toThrow();
      }
    }
  });
});
