// Import failures name the file and the place in it (byte offset or item index), so a person can
// find the bad bytes or the bad image without reading code.

export interface Where { offset?: number; index?: number }

import { InputError } from '../../../shared/errors';

export class DatasetError extends InputError {
  constructor(public readonly file: string, detail: string, public readonly where: Where = {}) {
    const at = where.offset !== undefined ? ` at byte offset ${where.offset}` : where.index !== undefined ? ` at item ${where.index}` : '';
    super(`${file}${at}: ${detail}`);
    this.name = 'DatasetError';
  }
}
