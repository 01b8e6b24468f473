// Prints, at the end of every run, the list of skipped tests with why and how to enable them, then
// the closing line CI reads: `N passed, N failed, N skipped`. Reasons come from the prerequisite
// registry (test/helpers/prereqs.ts writes them to $WHITTLE_SKIP_LOG) or from `ctx.skip(note)`.
// Under WHITTLE_TEST_STRICT=1 a skip that gives no reason fails the run.
import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import type { SkipRecord } from './helpers/prereqs';

export interface SkipGroup { file: string; count: number; reason: string; enable?: string }

/** Skipped tests grouped by file and reason. */
export function groupSkips(modules: ReadonlyArray<TestModule>, records: SkipRecord[], root: string): SkipGroup[] {
  const groups = new Map<string, SkipGroup>();
  for (const m of modules) {
    const file = path.relative(root, m.moduleId);
    const recorded = records.filter((r) => path.resolve(r.file) === path.resolve(m.moduleId));
    for (const t of m.children.allTests()) {
      const r = t.result();
      if (r.state !== 'skipped') continue;
      const note = (r as { note?: string }).note;
      const reason = note ?? (recorded.length ? [...new Set(recorded.map((x) => x.reason))].join('; ') : '');
      const enable = note ? undefined : recorded.length ? [...new Set(recorded.map((x) => x.enable))].join('; ') : undefined;
      const key = `${file}\0${reason}`;
      const g = groups.get(key) ?? { file, count: 0, reason, enable };
      g.count++;
      groups.set(key, g);
    }
  }
  return [...groups.values()].sort((a, b) => a.file.localeCompare(b.file));
}

export function formatSkips(groups: SkipGroup[]): string {
  if (!groups.length) return '';
  const total = groups.reduce((s, g) => s + g.count, 0);
  const lines = groups.map((g) => {
    const n = `${g.count} test${g.count === 1 ? '' : 's'}`;
    const why = g.reason || 'no reason given';
    return `  ${n} in ${g.file}: ${why}${g.enable ? `\n      to run ${g.count === 1 ? 'it' : 'them'}: ${g.enable}` : ''}`;
  });
  return `\nSkipped ${total} test${total === 1 ? '' : 's'}:\n${lines.join('\n')}\n`;
}

function readRecords(): SkipRecord[] {
  const log = process.env.WHITTLE_SKIP_LOG;
  if (!log || !fs.existsSync(log)) return [];
  return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SkipRecord);
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0, failed = 0, skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') failed++;
        else skipped++;
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    const groups = groupSkips(modules, readRecords(), process.cwd());
    let out = formatSkips(groups);
    const unexplained = groups.filter((g) => !g.reason);
    if (process.env.WHITTLE_TEST_STRICT === '1' && unexplained.length) {
      const n = unexplained.reduce((s, g) => s + g.count, 0);
      out += `\nWHITTLE_TEST_STRICT=1: ${n} skipped test(s) give no reason (${unexplained.map((g) => g.file).join(', ')}); every skip must say why.\n`;
      failed += n;
      skipped -= n;
      process.exitCode = 1;
    }
    const log = process.env.WHITTLE_SKIP_LOG;
    if (log) fs.rmSync(log, { force: true });
    process.stdout.write(`${out}\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
