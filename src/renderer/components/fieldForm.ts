// What a form field component (NumberField.svelte, FieldErrors.svelte) needs of a form's state.
// Each wizard's state provides one (views/wizard: WizardState.form and .textForm; views/carve:
// CarveWizardState.form), so one field component serves every wizard.
export interface FieldForm<F extends string> {
  /** Element ids are `<idPrefix>-<field>`, its errors `…-err`, its help `…-help` (tests and labels find them by these). */
  readonly idPrefix: string;
  label(field: F): string;
  /** The sentences to show at the field now, each naming the field (empty: none, or not yet). */
  errors(field: F): string[];
  /** Called on every input into the field (revalidate, mark it touched). */
  edited(field: F): void;
}
