// Score registry: name → implementation.
import { ablationScore } from './ablation';
import { activationScore } from './activation';
import { magnitudeScore } from './magnitude';
import { paramGradientScore } from './paramGradient';
import { randomScore } from './random';
import type { ImportanceScore, ScoreName } from './types';

export * from './types';

export const SCORES: Record<ScoreName, ImportanceScore> = {
  ablation: ablationScore,
  attribution: activationScore,
  paramGradient: paramGradientScore,
  magnitude: magnitudeScore,
  random: randomScore,
};
