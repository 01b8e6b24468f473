// Notes and tags on runs from a terminal: `whittle tag RUN +tag -tag`, `whittle note RUN "text"`.
import { UsageError } from './args';
import { type Command, EXIT } from './command';
import { printJson } from './output';

/** `+tag` or `tag` adds, `-tag` removes (in the order given: a later word wins). */
export function tagChanges(words: string[]): { addTags: string[]; removeTags: string[] } {
  const addTags: string[] = [];
  const removeTags: string[] = [];
  for (const w of words) {
    const [list, other, tag] = w.startsWith('-') ? [removeTags, addTags, w.slice(1)] : [addTags, removeTags, w.replace(/^\+/, '')];
    if (other.includes(tag)) other.splice(other.indexOf(tag), 1);
    if (!list.includes(tag)) list.push(tag);
  }
  return { addTags, removeTags };
}

export const tagCommand: Command = {
  name: 'tag', summary: "add or remove a run's tags (+TAG adds, -TAG removes; none: list them)",
  usage: 'whittle tag RUN [+TAG|-TAG ...]   e.g. whittle tag r123 +baseline -draft',
  options: [],
  signedPositionals: true,
  async run(ctx) {
    const [id, ...words] = ctx.args.positionals;
    if (!id) throw new UsageError("'whittle tag' expects a RUN id, then +TAG to add or -TAG to remove");
    const svc = ctx.service(words.length ? undefined : { access: 'read' });
    const run = words.length ? await svc.annotateRun(id, tagChanges(words)) : await svc.getRun(id);
    const tags = run.tags ?? [];
    if (ctx.json) printJson(ctx.io, { runId: run.id, tags });
    else ctx.io.out(`${run.id}: ${tags.length ? tags.join(' ') : '(no tags)'}\n`);
    return EXIT.ok;
  },
};

export const noteCommand: Command = {
  name: 'note', summary: "set a run's notes (none: print them; --clear removes them)",
  usage: 'whittle note RUN ["TEXT"] [--clear]',
  options: [{ name: 'clear', type: 'boolean', description: 'remove the notes' }],
  async run(ctx) {
    const [id, ...rest] = ctx.args.positionals;
    if (!id) throw new UsageError("'whittle note' expects a RUN id, then the text in quotes");
    if (rest.length > 1) throw new UsageError(`'whittle note' takes the notes as one argument: put them in quotes ("${rest.join(' ')}")`);
    const clear = Boolean(ctx.args.options.clear);
    if (clear && rest.length) throw new UsageError('give either TEXT or --clear, not both');
    const svc = ctx.service(clear || rest.length ? undefined : { access: 'read' });
    const run = clear || rest.length ? await svc.annotateRun(id, { notes: clear ? '' : rest[0] }) : await svc.getRun(id);
    if (ctx.json) printJson(ctx.io, { runId: run.id, notes: run.notes ?? '' });
    else ctx.io.out(run.notes ? `${run.notes}\n` : `${run.id}: (no notes)\n`);
    return EXIT.ok;
  },
};
