// Fault injection: start the real CLI as a user would, kill it at chosen moments, and read what it left.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BIN } from '../helpers/tmp';

/** A short CMSP run that checkpoints and evaluates often, so random kills land in every phase:
 *  a training step, an evaluation, a checkpoint write, a metric commit. */
export const FAULT_RUN = ['--recipe', 'cmsp-cpu', '--set', 'steps=600', '--set', 'eval.every=25', '--set', 'eval.samples=500', '--set', 'checkpointEvery=10'];

/** Iterations of each fault loop: WHITTLE_FAULT_ITERATIONS, default a CI-sized number. */
export const ITERATIONS = Number(process.env.WHITTLE_FAULT_ITERATIONS) || 4;
/** The kill schedule's seed: printed by each test, so a failing schedule can be replayed. */
export const FAULT_SEED = Number(process.env.WHITTLE_FAULT_SEED) || 20261205;

/** mulberry32: a small seeded PRNG, so a failing kill schedule replays exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Proc { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> }

/** `whittle ARGS` in its own process group (a terminal's job), so a kill reaches all of it. */
export function startWhittle(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited };
}

export function killGroup(p: Proc, signal: NodeJS.Signals = 'SIGKILL'): void {
  try { process.kill(-p.child.pid!, signal); } catch { /* already gone */ }
}

export interface MetricRow { run_id: string; step: number; key: string; value: number }

/** What a data folder holds, read straight from SQLite (opening it runs WAL recovery, as the next
 *  process would). */
export function readHome(home: string, opts: { readonly?: boolean } = {}): { integrity: string; runs: { id: string; status: string; checkpoint: string | null; progress: string | null }[]; metrics: MetricRow[] } {
  const file = path.join(home, 'whittle.db');
  // Killed before the database (or its first migration) was written: nothing stored, nothing lost.
  if (!fs.existsSync(file)) return { integrity: 'ok', runs: [], metrics: [] };
  const db = new Database(file, { readonly: opts.readonly ?? false });
  try {
    db.pragma('busy_timeout = 5000');
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'runs'").get()) return { integrity, runs: [], metrics: [] };
    const runs = db.prepare('SELECT id, status, checkpoint, progress FROM runs ORDER BY created_at').all() as never;
    const metrics = db.prepare('SELECT run_id, step, key, value FROM metrics ORDER BY run_id, key, step').all() as MetricRow[];
    return { integrity, runs, metrics };
  } finally { db.close(); }
}

/** The step a run's stored progress has reached (0 before any), read without disturbing the writer. */
export function storedStep(home: string): number {
  const file = path.join(home, 'whittle.db');
  if (!fs.existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'runs'").get()) return 0;
    const row = db.prepare('SELECT progress FROM runs ORDER BY created_at LIMIT 1').get() as { progress: string | null } | undefined;
    return row?.progress ? (JSON.parse(row.progress) as { step: number }).step : 0;
  } finally { db.close(); }
}

/** step/key → value for one run, for exact comparison against an uninterrupted reference. */
export function seriesOf(metrics: MetricRow[], runId: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of metrics) if (r.run_id === runId) m.set(`${r.key}@${r.step}`, r.value);
  return m;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
