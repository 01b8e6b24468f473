import { describe, expect, it } from 'vitest';
import { CONFIRM_CODE } from '../../../shared/transport';
import { createConfirmed } from './confirm';
import { ConfirmPrompt } from './confirmPrompt.svelte';

const large = Object.assign(new Error('this needs confirmation before it starts — the run: about 9 GiB. Start it anyway with confirmation (CLI: --yes).'), { code: CONFIRM_CODE });

describe('ConfirmPrompt', () => {
  it('shows the API estimate, and sends the spec again confirmed only on yes', async () => {
    for (const yes of [true, false]) {
      const prompt = new ConfirmPrompt();
      const calls: unknown[] = [];
      const created = createConfirmed(async (o) => { calls.push(o); if (!o) throw large; return 'row'; }, prompt.ask);
      await new Promise((r) => setTimeout(r, 0));
      expect(prompt.pending?.message).toBe('The run: about 9 GiB.');
      prompt.pending!.answer(yes);
      expect(prompt.pending).toBeNull();
      expect(await created).toBe(yes ? 'row' : null);
      expect(calls).toEqual(yes ? [undefined, { confirmed: true }] : [undefined]);
    }
  });

  it('a second question answers the unanswered first one with no', async () => {
    const prompt = new ConfirmPrompt();
    const first = prompt.ask('one');
    const second = prompt.ask('two');
    expect(await first).toBe(false);
    expect(prompt.pending?.message).toBe('two');
    prompt.pending!.answer(true);
    expect(await second).toBe(true);
  });
});
