import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/transport';
import { issuesOf } from './errors';

describe('issuesOf', () => {
  it('prefers the structured issues', () => {
    expect(issuesOf(new ApiError('x', 'bad_request', [{ path: 'spec.n', message: 'too small' }]))).toEqual([{ path: 'spec.n', message: 'too small' }]);
  });

  it('reads them back from a message that lost its fields', () => {
    expect(issuesOf(new Error('invalid spec: spec.steps: too small'))).toEqual([{ path: 'spec.steps', message: 'too small' }]);
    expect(issuesOf(new Error('spec.task.n: n must be at least m·k = 24; spec.model.hidden[1]: expected number'))).toEqual([
      { path: 'spec.task.n', message: 'n must be at least m·k = 24' },
      { path: 'spec.model.hidden[1]', message: 'expected number' },
    ]);
  });

  it('gives nothing for plain prose', () => {
    expect(issuesOf(new Error("study kind 'x' is not available in this build"))).toEqual([]);
    expect(issuesOf(null)).toEqual([]);
  });
});
