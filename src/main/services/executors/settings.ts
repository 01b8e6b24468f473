// Defaults for the Slurm executor from a settings file in the data folder, so a lab writes its
// partition, account and time limit once: WHITTLE_HOME/settings.json, e.g.
//   { "slurm": { "partition": "gpu", "time": "04:00:00", "cpusPerTask": 4, "sbatchArgs": ["--account=lab"] } }
// Flags given to `whittle study/train --executor slurm` (or the wizard's choice) override them.
import fs from 'node:fs';
import path from 'node:path';
import { checkSlurmOptions, ExecutorOptionError, type SlurmOptions } from '../../../shared/executor';

export const SETTINGS_FILE = 'settings.json';

export class SettingsError extends Error {
  constructor(message: string) { super(message); this.name = 'SettingsError'; }
}

/** The Slurm defaults of the data folder ({} when there is no settings file or no `slurm` key). */
export function slurmDefaults(home: string): SlurmOptions {
  const file = path.join(home, SETTINGS_FILE);
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SettingsError(`${file}: cannot read it: ${(e as Error).message}`);
  }
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) { throw new SettingsError(`${file}: not valid JSON: ${(e as Error).message}`); }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new SettingsError(`${file}: expected a JSON object`);
  try {
    return checkSlurmOptions((json as Record<string, unknown>).slurm, 'slurm');
  } catch (e) {
    if (e instanceof ExecutorOptionError) throw new SettingsError(`${file}: ${e.message}`);
    throw e;
  }
}
