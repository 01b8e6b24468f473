import { describe, expect, it } from 'vitest';
import { executorFor, runOnOptions, slurmLabel } from './executor';

describe('Run on: this machine or Slurm', () => {
  it('offers Slurm only where the service reports sbatch, one choice per partition, the default first', () => {
    expect(runOnOptions(null)).toEqual([{ value: 'local', label: 'this machine' }]);
    expect(runOnOptions({ slurm: null }).map((o) => o.value)).toEqual(['local']);
    expect(runOnOptions({ slurm: { partitions: ['cpu', 'gpu'], defaultPartition: 'gpu' } })).toEqual([
      { value: 'local', label: 'this machine' },
      { value: 'slurm:gpu', label: 'Slurm (partition gpu, default)' },
      { value: 'slurm:cpu', label: 'Slurm (partition cpu)' },
    ]);
  });
  it('turns a choice into the API\'s executor', () => {
    expect(executorFor('local')).toBeUndefined();
    expect(executorFor('slurm:gpu')).toEqual({ kind: 'slurm', slurm: { partition: 'gpu' } });
    expect(executorFor('slurm:')).toEqual({ kind: 'slurm', slurm: {} });
  });
  it('labels a run with its Slurm job and queue state', () => {
    expect(slurmLabel({ slurm: null })).toBe('');
    expect(slurmLabel({ slurm: { jobId: '12_3', state: 'PENDING', reason: 'Priority' } })).toBe('12_3 · PENDING (Priority)');
    expect(slurmLabel({ slurm: { jobId: '12_0', state: 'RUNNING', node: 'n1' } })).toBe('12_0 · RUNNING on n1');
    expect(slurmLabel({ slurm: { jobId: '', state: 'SUBMITTING' } })).toBe('submitting · SUBMITTING');
  });
});
