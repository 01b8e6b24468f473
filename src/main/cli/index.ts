// Every CLI command, in the order `whittle --help` lists them. Adding a command = a file + one line.
import { noteCommand, tagCommand } from './annotate';
import type { Command } from './command';
import { dataCommand } from './data';
import { demoCommand, reportCommand } from './demo';
import { exportCommand } from './export';
import { modelCommand } from './model';
import { cancelCommand, metricsCommand, resumeCommand, rmCommand, runsCommand, showCommand } from './runs';
import { reproduceCommand } from './reproduce';
import { serveCommand } from './serve';
import { runTaskCommand, syncCommand } from './slurm';
import { textCommand } from './text';
import { trashCommand } from './trash';
import { benchCommand, recipesCommand, studyCommand, trainCommand } from './train';

export const COMMANDS: Command[] = [
  trainCommand,
  studyCommand,
  demoCommand,
  reportCommand,
  reproduceCommand,
  runsCommand,
  showCommand,
  metricsCommand,
  cancelCommand,
  resumeCommand,
  rmCommand,
  tagCommand,
  noteCommand,
  trashCommand,
  exportCommand,
  dataCommand,
  textCommand,
  modelCommand,
  benchCommand,
  recipesCommand,
  serveCommand,
  syncCommand,
  runTaskCommand,
];
