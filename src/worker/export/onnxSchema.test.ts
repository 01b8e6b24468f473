import fs from 'node:fs';
import { expect, it } from 'vitest';
import { JSON_PATH, schemaJson } from './onnxSchemaGen';

it('onnxSchema.json is the generated form of the vendored onnx.proto3', () => {
  expect(fs.readFileSync(JSON_PATH, 'utf8')).toBe(schemaJson());
});
