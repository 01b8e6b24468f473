// Creating a run or study the API wants confirmed first (its estimate of memory or time is large):
// ask the person, showing the API's estimate, and send it again confirmed only if they agree.
import { needsConfirmation } from '../../../shared/transport';

/** Shows the estimate; resolves true when the person wants to start anyway. */
export type AskConfirm = (message: string) => Promise<boolean>;

/** The API's message for a person: without Electron's prefix and the CLI's hint. */
export function confirmationText(err: unknown): string {
  return String((err as Error | null)?.message ?? '')
    .replace(/^Error invoking remote method '[^']*': (\w*Error: )?/, '')
    .replace(/ ?Start it anyway with confirmation \(CLI: --yes\)\.$/, '')
    .replace(/^this needs confirmation before it starts — (\w)/, (_m, c: string) => c.toUpperCase());
}

/** `create(opts)` once; if the API asks for confirmation, `ask` and (only on yes) again with
 *  `{ confirmed: true }`. Resolves to the created row, or null when the person declined. */
export async function createConfirmed<T>(create: (opts?: { confirmed: boolean }) => Promise<T>, ask: AskConfirm): Promise<T | null> {
  try {
    return await create();
  } catch (e) {
    if (!needsConfirmation(e)) throw e;
    if (!(await ask(confirmationText(e)))) return null;
    return create({ confirmed: true });
  }
}
