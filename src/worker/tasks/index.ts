// Task spec → skill suite. Each suite is imported lazily so a job only loads what it uses.
// Adding a suite = one case here.
import type { TaskSpec } from '../../shared/specs';
import type { SkillSuite } from './types';

export async function createSuite(task: TaskSpec, home: string): Promise<SkillSuite> {
  switch (task.suite) {
    case 'cmsp': {
      const { CmspSuite } = await import('./cmsp');
      return new CmspSuite(task);
    }
    case 'images': {
      const { loadImageSuite } = await import('./images/suite');
      return loadImageSuite(home, task.dataset);
    }
    default:
      throw new Error(`unknown suite '${(task as { suite: string }).suite}' for MLP training (text domains train a transformer)`);
  }
}
