// The list of studies, kept live by push events.
import type { PushEvent, StudyRow, WhittleApi } from '../../../shared/api';

export class StudiesStore {
  studies = $state<StudyRow[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  sorted = $derived([...this.studies].sort((a, b) => b.createdAt - a.createdAt));

  constructor(private readonly api: Pick<WhittleApi, 'listStudies'>) {}

  async load(): Promise<void> {
    try {
      this.studies = await this.api.listStudies();
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.loaded = true;
    }
  }

  get(id: string): StudyRow | undefined {
    return this.studies.find((s) => s.id === id);
  }

  upsert(study: StudyRow): void {
    const i = this.studies.findIndex((s) => s.id === study.id);
    if (i < 0) this.studies.push(study);
    else this.studies[i] = study;
  }

  /** Insert a study just created, unless its push event got here first. */
  add(study: StudyRow): void {
    if (!this.get(study.id)) this.studies.push(study);
  }

  apply(ev: PushEvent): void {
    if (ev.type === 'study') this.upsert(ev.study);
  }
}
