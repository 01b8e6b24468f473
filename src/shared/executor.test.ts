import { describe, expect, it } from 'vitest';
import { checkSlurmOptions, mergeSlurmOptions } from './executor';

describe('Slurm options', () => {
  it('accepts what sbatch takes and names the field it refuses', () => {
    expect(checkSlurmOptions({ partition: 'gpu', time: '01:30:00', cpusPerTask: 4, gpus: 1, mem: '8G', maxParallel: 2, sbatchArgs: ['--account=lab'] }))
      .toEqual({ partition: 'gpu', time: '01:30:00', cpusPerTask: 4, gpus: 1, mem: '8G', maxParallel: 2, sbatchArgs: ['--account=lab'] });
    expect(checkSlurmOptions({ time: '2-00:00:00' }).time).toBe('2-00:00:00');
    expect(() => checkSlurmOptions({ time: 'soon' })).toThrow(/^slurm\.time: expected a time limit/);
    expect(() => checkSlurmOptions({ cpusPerTask: 0 }, 'executor.slurm')).toThrow(/^executor\.slurm\.cpusPerTask: expected a whole number ≥ 1/);
    expect(() => checkSlurmOptions({ mem: 'lots' })).toThrow(/^slurm\.mem:/);
    expect(() => checkSlurmOptions({ partiton: 'gpu' })).toThrow(/^slurm\.partiton: unknown option/);
    expect(() => checkSlurmOptions({ sbatchArgs: '--x' })).toThrow(/^slurm\.sbatchArgs: expected a list/);
  });
  it('flags override the settings file option by option', () => {
    expect(mergeSlurmOptions({ partition: 'cpu', time: '01:00:00' }, { partition: 'gpu' })).toEqual({ partition: 'gpu', time: '01:00:00' });
  });
});
