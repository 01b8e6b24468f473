// Built-in recipes: one click creates the real run or study they describe.
import { type AskConfirm, createConfirmed } from '../../lib/api/confirm';
import type { AppState } from '../../lib/app.svelte';

export type Recipe = { name: string; title: string; kind: string; spec: unknown };
export const DEMO_RECIPE = 'curriculum-cpu';
const STUDY_KINDS = new Set(['curriculum', 'compare', 'nonlocality', 'lmCompare']);

export class RecipesState {
  recipes = $state<Recipe[]>([]);
  busy = $state<string | null>(null);
  error = $state<string | null>(null);
  demo = $derived(this.recipes.find((r) => r.name === DEMO_RECIPE) ?? null);

  /** `ask`: shows the API's estimate when a recipe asks for confirmation (default: the browser's dialog). */
  constructor(
    private readonly app: Pick<AppState, 'api' | 'runs' | 'studies' | 'router'>,
    private readonly ask: AskConfirm = (m) => Promise.resolve(globalThis.confirm?.(m) ?? false),
  ) {}

  async load(): Promise<void> {
    try { this.recipes = await this.app.api.recipes(); } catch (e) { this.error = (e as Error).message; }
  }

  async start(r: Recipe): Promise<void> {
    this.busy = r.name;
    this.error = null;
    try {
      const spec = r.spec as { kind?: string };
      if (r.kind === 'study' || STUDY_KINDS.has(spec.kind ?? '')) {
        const s = await createConfirmed((o) => this.app.api.createStudy(r.spec, o), this.ask);
        if (!s) return;
        this.app.studies.add(s);
        this.app.router.go({ name: 'study', id: s.id });
      } else {
        const run = await createConfirmed((o) => this.app.api.createRun(r.spec, o), this.ask);
        if (!run) return;
        this.app.runs.add(run);
        this.app.router.go({ name: 'run', id: run.id });
      }
    } catch (e) {
      this.error = `${r.title}: ${(e as Error).message}`;
    } finally {
      this.busy = null;
    }
  }
}
