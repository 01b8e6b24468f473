// `whittle demo`: the built-in curriculum study on the embedded CMSP task, then a report on disk.
// `whittle report STUDY`: (re)write a study's report.
import { writeStudyReport } from '../services/report/studyReport';
import { applyOverrides, findRecipe } from '../services/recipes';
import { UsageError } from './args';
import { type Command, EXIT } from './command';
import { exitCodeFor, printJson } from './output';
import { runStudy, YES_OPTION } from './train';

export const DEMO_RECIPE = 'curriculum-cpu';

export const demoCommand: Command = {
  name: 'demo', summary: 'run the built-in curriculum study (CPU scale, no data needed) and write a report',
  usage: 'whittle demo [--set key=value ...]',
  options: [{ name: 'set', type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'override a study field, e.g. --set seeds=[0]' }, YES_OPTION],
  async run(ctx) {
    const recipe = findRecipe(DEMO_RECIPE);
    let spec;
    try { spec = applyOverrides(recipe.spec, (ctx.args.options.set as string[] | undefined) ?? []); } catch (e) { throw new UsageError((e as Error).message); }
    if (!ctx.json) {
      ctx.io.out(`${recipe.title}\nThe same narrow skill is trained under each data regime; broad data supplies the simpler skills it is built from.\n`);
    }
    const { study, runs } = await runStudy(ctx, spec);
    const files = writeStudyReport(ctx.service().store, study);
    if (ctx.json) printJson(ctx.io, { studyId: study.id, status: study.status, summary: study.summary, report: files.html });
    else ctx.io.out(`\nstudy ${study.id}: ${study.status}\n${JSON.stringify(study.summary, null, 2)}\n\nReport written to ${files.html}\n`);
    return exitCodeFor(runs);
  },
};

export const reportCommand: Command = {
  name: 'report', summary: "write a study's report (HTML charts + JSON) into the data folder", usage: 'whittle report STUDY',
  options: [],
  async run(ctx) {
    if (ctx.args.positionals.length !== 1) throw new UsageError("'whittle report' expects one STUDY id");
    const svc = ctx.service();
    const study = await svc.getStudy(ctx.args.positionals[0]);
    const files = writeStudyReport(svc.store, study);
    if (ctx.json) printJson(ctx.io, files);
    else ctx.io.out(`Report written to ${files.html}\n`);
    return EXIT.ok;
  },
};
