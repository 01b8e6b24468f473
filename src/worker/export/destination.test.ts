import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDestination, ExportError, writeExport } from './destination';

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-dest-')); });
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

const sub = (...p: string[]) => path.join(tmp, ...p);

describe('export destination', () => {
  it('creates a new folder whole, leaving no staging folder behind', () => {
    const out = sub('new', 'deeper');
    const written = writeExport(checkDestination(out, { force: false }), { 'model.onnx': new Uint8Array([1, 2, 3]), 'model-card.md': '# hi' });
    expect(fs.readdirSync(out).sort()).toEqual(['model-card.md', 'model.onnx']);
    expect(written).toContain(path.join(out, 'model.onnx'));
    expect(fs.readdirSync(sub('new'))).toEqual(['deeper']);
  });

  it('writes into an existing empty folder', () => {
    fs.mkdirSync(sub('empty'));
    writeExport(checkDestination(sub('empty'), { force: false }), { 'model.json': '{}' });
    expect(fs.readdirSync(sub('empty'))).toEqual(['model.json']);
  });

  it('a staging folder left by a killed export does not count as content', () => {
    fs.mkdirSync(sub('leftover', '.whittle-export-123-abc'), { recursive: true });
    writeExport(checkDestination(sub('leftover'), { force: false }), { 'model.onnx': 'x' });
    expect(fs.readdirSync(sub('leftover')).sort()).toEqual(['.whittle-export-123-abc', 'model.onnx']);
  });

  it('refuses a non-empty folder without force, and names the way out', () => {
    fs.mkdirSync(sub('full'));
    fs.writeFileSync(sub('full', 'notes.txt'), 'mine');
    expect(() => checkDestination(sub('full'), { force: false })).toThrow(/is not empty.*--force/);
    expect(fs.readdirSync(sub('full'))).toEqual(['notes.txt']);
  });

  it('with force replaces earlier export files (stale shards too) and leaves other files alone', () => {
    fs.mkdirSync(sub('again'));
    fs.writeFileSync(sub('again', 'notes.txt'), 'mine');
    fs.writeFileSync(sub('again', 'group1-shard2of2.bin'), 'stale');
    fs.writeFileSync(sub('again', 'model.json'), 'old');
    const dest = checkDestination(sub('again'), { force: true });
    writeExport(dest, { 'model.json': 'new', 'group1-shard1of1.bin': new Uint8Array([9]) });
    expect(fs.readdirSync(sub('again')).sort()).toEqual(['group1-shard1of1.bin', 'model.json', 'notes.txt']);
    expect(fs.readFileSync(sub('again', 'model.json'), 'utf8')).toBe('new');
    expect(fs.readFileSync(sub('again', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('writes the onnx/ sub-folder of a transformers.js layout, and with force replaces only export files inside it', () => {
    const files = { 'config.json': '{}', 'onnx/model.onnx': new Uint8Array([1]), 'tokenizer.json': '{}' };
    writeExport(checkDestination(sub('tjs'), { force: false }), files);
    expect(fs.readdirSync(sub('tjs')).sort()).toEqual(['config.json', 'onnx', 'tokenizer.json']);
    expect(fs.readdirSync(sub('tjs', 'onnx'))).toEqual(['model.onnx']);
    fs.writeFileSync(sub('tjs', 'onnx', 'mine.txt'), 'mine');
    const dest = checkDestination(sub('tjs'), { force: true });
    expect(dest.conflicting.sort()).toEqual(['config.json', 'onnx/model.onnx', 'tokenizer.json']);
    writeExport(dest, { 'onnx/model.onnx': new Uint8Array([2, 2]), 'model-card.md': '#' });
    expect(fs.readdirSync(sub('tjs')).sort()).toEqual(['model-card.md', 'onnx']);
    expect(fs.readdirSync(sub('tjs', 'onnx')).sort()).toEqual(['mine.txt', 'model.onnx']);
    expect(fs.readFileSync(sub('tjs', 'onnx', 'model.onnx')).length).toBe(2);
    // a failure puts everything back, the new sub-folder removed
    fs.mkdirSync(sub('tjs2'));
    fs.writeFileSync(sub('tjs2', 'config.json'), 'old');
    expect(() => writeExport(checkDestination(sub('tjs2'), { force: true }), { 'onnx/model.onnx': new Uint8Array([1]), 'model.onnx': 7 as unknown as Uint8Array })).toThrow(ExportError);
    expect(fs.readdirSync(sub('tjs2'))).toEqual(['config.json']);
    fs.mkdirSync(sub('tjs3'));
    fs.writeFileSync(sub('tjs3', 'onnx'), 'a file');
    expect(() => checkDestination(sub('tjs3'), { force: true })).toThrow(/is a file where the export puts a folder/);
  });

  it('a failure while writing leaves nothing behind (new folder) and the old files in place (existing folder)', () => {
    const bad = { 'model.json': '{}', 'model.onnx': 42 as unknown as Uint8Array }; // not writable data
    expect(() => writeExport(checkDestination(sub('never'), { force: false }), bad)).toThrow(ExportError);
    expect(fs.existsSync(sub('never'))).toBe(false);
    expect(fs.readdirSync(tmp).filter((n) => n.includes('whittle-export'))).toEqual([]);

    fs.mkdirSync(sub('keep'));
    fs.writeFileSync(sub('keep', 'model.json'), 'old');
    expect(() => writeExport(checkDestination(sub('keep'), { force: true }), bad)).toThrow(ExportError);
    expect(fs.readdirSync(sub('keep'))).toEqual(['model.json']);
    expect(fs.readFileSync(sub('keep', 'model.json'), 'utf8')).toBe('old');
  });

  it('refuses file names that are not plain export files', () => {
    const dest = checkDestination(sub('names'), { force: false });
    expect(() => writeExport(dest, { '../escape.onnx': 'x' })).toThrow(/refusing to write/);
    expect(() => writeExport(dest, { 'other.txt': 'x' })).toThrow(/refusing to write/);
    expect(() => writeExport(dest, { 'other/model.onnx': 'x' })).toThrow(/refusing to write/);
    expect(() => writeExport(dest, { 'onnx/../model.onnx': 'x' })).toThrow(/refusing to write/);
    expect(() => writeExport(dest, { 'onnx/x/model.onnx': 'x' })).toThrow(/refusing to write/);
    expect(fs.existsSync(sub('names'))).toBe(false);
  });

  it('refuses a destination under a file, or not writable', () => {
    fs.writeFileSync(sub('afile'), 'x');
    expect(() => checkDestination(sub('afile', 'out'), { force: false })).toThrow(/is a file, not a folder/);
    expect(() => checkDestination(sub('afile'), { force: false })).toThrow(/is a file, not a folder/);
    if (process.getuid?.() !== 0) { // root may write anywhere
      fs.mkdirSync(sub('ro'));
      fs.chmodSync(sub('ro'), 0o500);
      expect(() => checkDestination(sub('ro', 'out'), { force: false })).toThrow(/not writable/);
    }
  });

  it('refuses relative paths and paths outside the chosen folder, also through a link', () => {
    expect(() => checkDestination('relative/out', { force: false })).toThrow(/absolute path/);
    fs.mkdirSync(sub('chosen'));
    expect(() => checkDestination(sub('chosen', '..', 'elsewhere'), { force: false, within: sub('chosen') })).toThrow(/outside the chosen folder/);
    expect(checkDestination(sub('chosen', 'a', 'b'), { force: false, within: sub('chosen') }).dir).toBe(sub('chosen', 'a', 'b'));
    fs.mkdirSync(sub('outside'));
    fs.symlinkSync(sub('outside'), sub('chosen', 'link'));
    expect(() => checkDestination(sub('chosen', 'link', 'x'), { force: false, within: sub('chosen') })).toThrow(/through a link/);
  });
});
