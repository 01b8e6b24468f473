// Export is a run kind (`export`): it lights up once the contract has it.
import type { WhittleClient } from '../../lib/api/client';
import { RunSpec } from '../../../shared/specs';

export function runKinds(): string[] {
  return RunSpec.options.map((o) => o.shape.kind.value as string);
}

export function exportAvailable(client: WhittleClient): boolean {
  return client.has('exportRun') && runKinds().includes('export');
}

/** A folder name from a run name. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'model';
}

/** Joins a folder and a name with the separator the folder already uses. */
export function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

/** Runs whose MLP model export can write: finished training and compression runs. */
export function exportable(run: { kind: string; status: string; spec: unknown }): boolean {
  if (run.status !== 'done' || !['train', 'prune', 'groupLasso', 'distill'].includes(run.kind)) return false;
  const arch = (run.spec as { model?: { arch?: string } }).model?.arch;
  return arch === undefined || arch === 'mlp';
}
