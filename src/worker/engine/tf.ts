// The one place the engine imports tfjs from: core ops plus every gradient registration
// (tfjs-core alone registers none under Node).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export { tf };
export type { Tensor, Tensor1D, Tensor2D, Variable, Rank } from '@tensorflow/tfjs-core';
