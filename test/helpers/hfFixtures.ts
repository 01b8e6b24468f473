// Tiny Hugging Face checkpoint folders written by scripts/hf_fixtures.py (Debian's python3-torch),
// each with PyTorch's reference logits and greedy tokens. The suite is written once per version of
// the script into the system temp folder and reused by every test file (and later runs): writing it
// takes a couple of seconds, and the folder name carries the script's hash, so an edited script
// writes a fresh suite.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './prereqs';

export const HF_FIXTURES_SCRIPT = path.join(REPO, 'scripts/hf_fixtures.py');
export const PYTHON = '/usr/bin/python3';

/** Names of the fixtures `--suite` writes (keep in step with SUITE in the script). */
export const HF_FIXTURE_NAMES = [
  'gpt2', 'gpt2-prefixed-f16', 'llama-tied', 'llama-untied-rope3', 'llama-bf16', 'llama-sharded', 'mistral', 'qwen2', 'smollm',
] as const;
export type HfFixtureName = (typeof HF_FIXTURE_NAMES)[number];

/** The JSON the script writes next to each folder. */
export interface HfReference {
  arch: string;
  dtype: 'F32' | 'F16' | 'BF16';
  prompt: string;
  /** The whole prompt's token ids from the script's own byte-level BPE encoder. */
  prompt_ids: number[];
  /** The model input: prompt_ids cut to fit the context with room for the greedy tokens. */
  ids: number[];
  eos_id: number;
  /** PyTorch logits [ids.length, vocab]. */
  logits: number[][];
  /** PyTorch's greedy continuation of `ids` (full forward each step). */
  greedy: number[];
}

let suiteDir: string | null = null;

/** The folder holding every fixture of the suite (written on first use). */
export function hfFixtureSuite(): string {
  if (suiteDir) return suiteDir;
  const hash = createHash('sha256').update(fs.readFileSync(HF_FIXTURES_SCRIPT)).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `whittle-hf-fixtures-${hash}`);
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    // Write into a private folder, then rename: concurrent test files never see half a suite.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-hf-fixtures-tmp-'));
    execFileSync(PYTHON, [HF_FIXTURES_SCRIPT, '--suite', tmp], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
    fs.writeFileSync(path.join(tmp, '.complete'), '');
    try { fs.renameSync(tmp, dir); } catch { fs.rmSync(tmp, { recursive: true, force: true }); } // another process won
  }
  suiteDir = dir;
  return dir;
}

/** One fixture folder of the suite and its PyTorch reference. */
export function hfFixture(name: HfFixtureName): { dir: string; ref: HfReference } {
  const root = hfFixtureSuite();
  return { dir: path.join(root, name), ref: JSON.parse(fs.readFileSync(path.join(root, `${name}.json`), 'utf8')) as HfReference };
}

/** Write one fixture with the script's single-folder options (e.g. ['--arch', 'llama', '--layers', '30', …])
 *  into `out`; its reference (unless --no-reference) lands at `${out}.json`. */
export function writeHfFixture(out: string, args: string[], timeoutMs = 600_000): { dir: string; ref: HfReference | null } {
  execFileSync(PYTHON, [HF_FIXTURES_SCRIPT, '--out', out, ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs });
  const refPath = `${out.replace(/\/+$/, '')}.json`;
  return { dir: out, ref: fs.existsSync(refPath) ? (JSON.parse(fs.readFileSync(refPath, 'utf8')) as HfReference) : null };
}

/** Copy a fixture folder somewhere a test may damage it. */
export function copyHfFixture(name: HfFixtureName, to: string): string {
  fs.cpSync(hfFixture(name).dir, to, { recursive: true });
  return to;
}
