import { describe, expect, it } from 'vitest';
import { canTry, cellShade, lossColour, TryStore } from './try.svelte';

function fakeClient(answers: Record<string, (...args: unknown[]) => unknown>, has = (m: string) => m in answers) {
  const calls: { method: string; args: unknown[] }[] = [];
  return {
    calls,
    client: {
      has,
      call: async <T,>(method: string, ...args: unknown[]): Promise<T> => {
        calls.push({ method, args });
        const f = answers[method];
        if (!f) throw new Error(`no ${method}`);
        return f(...args) as T;
      },
    },
  };
}

const cmspInfo = { runId: 'r1', arch: 'mlp', params: 10, target: { kind: 'cmsp', m: 2, n: 6, subsets: [[0, 1, 2], [3, 4, 5]], skills: [[1], [0, 1]] } };

describe('try the model store', () => {
  it('is offered only for a finished run with a model on a service that can run it', () => {
    const has = (m: string) => m === 'tryModel';
    expect(canTry({ has }, { status: 'done' }, ['model'])).toBe(true);
    expect(canTry({ has }, { status: 'running' }, ['model'])).toBe(false);
    expect(canTry({ has }, { status: 'done' }, ['sample'])).toBe(false);
    expect(canTry({ has: () => false }, { status: 'done' }, ['model'])).toBe(false);
  });

  it('sends the CMSP bits and skill the person set, and keeps the answer', async () => {
    const result = { kind: 'cmsp', x: [], probabilities: [0.2, 0.8], predicted: 1, parity: 1, parityBits: [3, 4, 5] };
    const { client, calls } = fakeClient({ modelInfo: () => cmspInfo, tryModel: () => result });
    let r = 0;
    const s = new TryStore(client, 'r1', () => [0.9, 0.1, 0.7, 0.2, 0.6, 0.4][r++ % 6]);
    await s.load();
    expect(s.bits).toEqual([0, 0, 0, 0, 0, 0]);
    expect(s.skill).toEqual([1]);
    s.randomiseBits();
    expect(s.bits).toEqual([1, 0, 1, 0, 1, 0]);
    s.toggleBit(1);
    s.setSkill([0, 1]);
    await s.predictCmsp();
    expect(calls.at(-1)).toEqual({ method: 'tryModel', args: ['r1', { kind: 'cmsp', bits: [1, 1, 1, 0, 1, 0], skill: [0, 1] }] });
    expect(s.cmsp).toEqual(result);
    s.toggleBit(0); // a changed input clears the stale answer
    expect(s.cmsp).toBeNull();
  });

  it('shows the service\'s error in words instead of throwing', async () => {
    const { client } = fakeClient({ modelInfo: () => { throw new Error('run r1 is running; only a finished run\'s model can be tried'); } });
    const s = new TryStore(client, 'r1');
    await s.load();
    expect(s.error).toMatch(/only a finished run's model can be tried/);
    expect(s.busy).toBe(false);
  });

  it('pages test images of an image run and tries one by its index', async () => {
    const info = { runId: 'r2', arch: 'mlp', params: 1, target: { kind: 'images', dataset: 'fm', shape: [2, 2, 1], classNames: ['a', 'b'], classes: [0, 1] } };
    const { client, calls } = fakeClient({
      modelInfo: () => info,
      datasetSamples: (_n, o) => [{ split: 'test', index: (o as { offset: number }).offset + 3, label: 1, className: 'b', shape: [2, 2, 1], pixels: [0, 0, 0, 0] }],
      tryModel: () => ({ kind: 'image', probabilities: [], predicted: 1, pixels: [], shape: [2, 2, 1], label: 1 }),
      confusionMatrix: () => ({ total: 4 }),
    });
    const s = new TryStore(client, 'r2');
    await s.load();
    expect(calls[1]).toEqual({ method: 'datasetSamples', args: ['fm', { split: 'test', offset: 0, count: 12 }] });
    await s.pageTestImages(12);
    await s.tryTestImage(s.testImages[0]);
    expect(calls.at(-1)!.args).toEqual(['r2', { kind: 'testImage', index: 15 }]);
    expect(s.imageSource).toBe('test image #15');
    await s.tryImageData('shoe.png', 'data:image/png;base64,AAAA');
    expect(calls.at(-1)!.args).toEqual(['r2', { kind: 'image', image: 'data:image/png;base64,AAAA' }]);
    await s.loadConfusion();
    expect(s.confusion).toEqual({ total: 4 });
  });

  it('sends the prompt with its length and temperature', async () => {
    const { client, calls } = fakeClient({ modelInfo: () => ({ target: { kind: 'text' } }), tryModel: () => ({ kind: 'text', tokens: [], totalBits: 0 }) });
    const s = new TryStore(client, 'r3', () => 0.5);
    await s.load();
    s.prompt = 'def f(';
    s.maxBytes = 20;
    s.temperature = 0.7;
    await s.runText();
    expect(calls.at(-1)!.args).toEqual(['r3', { kind: 'text', prompt: 'def f(', maxBytes: 20, temperature: 0.7, seed: 2 ** 30 }]);
  });

  it('colours losses from green to red and shades confusion cells by row share', () => {
    expect(lossColour(0)).toBe('hsl(120 75% 50% / 0.45)');
    expect(lossColour(8)).toBe('hsl(0 75% 50% / 0.45)');
    expect(lossColour(100)).toBe(lossColour(8));
    expect(cellShade(3, 12)).toBe(0.25);
    expect(cellShade(0, 0)).toBe(0);
  });
});
