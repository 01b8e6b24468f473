// Built-in recipes on the home page. Clicking one opens it in the wizard's review step (editable
// fields, an estimate from a measured speed); only Start there creates the run or study.
import type { AppState } from '../../lib/app.svelte';

export type Recipe = { name: string; title: string; kind: string; spec: unknown };
export const DEMO_RECIPE = 'curriculum-cpu';

export class RecipesState {
  recipes = $state<Recipe[]>([]);
  error = $state<string | null>(null);
  demo = $derived(this.recipes.find((r) => r.name === DEMO_RECIPE) ?? null);

  constructor(private readonly app: Pick<AppState, 'api' | 'router'>) {}

  async load(): Promise<void> {
    try { this.recipes = await this.app.api.recipes(); } catch (e) { this.error = (e as Error).message; }
  }

  /** The recipe's review (nothing is created here). */
  open(r: Recipe): void {
    this.app.router.go({ name: 'new', recipe: r.name });
  }
}
