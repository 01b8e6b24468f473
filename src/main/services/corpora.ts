// The corpora registry: which text corpora (text domains) are imported. The data lives in
// WHITTLE_HOME/corpora/<name>/ {train.bin, val.bin, manifest.json}, written atomically by the
// worker's importCorpus job, so a folder with a manifest is a complete corpus and the folder is the
// registry (a failed or cancelled import leaves nothing listed).
import fs from 'node:fs';
import path from 'node:path';
import type { CorpusImportRequest, CorpusRow } from '../../shared/specs/corpusImport';
import { CORPORA_DIR, CORPUS_FILES, type CorpusManifest, ImportCorpusSpec } from '../../shared/specs/text';
import { ApiError } from '../../shared/transport';
import { parseSpec, SpecError } from '../../shared/validate';

export type { CorpusImportRequest, CorpusRow };

/** A corpus name from its first source: the folder name, made portable. */
export function defaultCorpusName(source: string): string {
  const base = path.basename(path.resolve(source));
  const clean = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return clean || 'corpus';
}

export class CorpusRegistry {
  constructor(readonly home: string) {}

  get root(): string { return path.join(this.home, CORPORA_DIR); }
  dir(name: string): string { return path.join(this.root, name); }

  list(): CorpusRow[] {
    if (!fs.existsSync(this.root)) return [];
    return fs.readdirSync(this.root).sort().flatMap((name) => {
      const mf = path.join(this.root, name, CORPUS_FILES.manifest);
      if (!fs.existsSync(mf)) return [];
      try { return [{ ...(JSON.parse(fs.readFileSync(mf, 'utf8')) as CorpusManifest), dir: this.dir(name) }]; } catch { return []; }
    });
  }

  get(name: string): CorpusRow {
    const row = this.list().find((r) => r.name === name);
    if (!row) throw new ApiError(`corpus '${name}' not found (have: ${this.list().map((r) => r.name).join(', ') || 'none'})`, 'not_found');
    return row;
  }

  /** A validated import spec for a run; refuses a name in use unless `replace`. */
  importSpec(req: CorpusImportRequest): ImportCorpusSpec {
    if (!req.sources?.length) throw new ApiError('a corpus import needs at least one source folder or file', 'bad_request', [{ path: 'sources', message: 'give at least one folder or file' }]);
    const corpus = req.corpus ?? defaultCorpusName(req.sources[0]);
    let spec: ImportCorpusSpec;
    try {
      spec = parseSpec(ImportCorpusSpec, { ...req, kind: 'importCorpus', corpus, sources: req.sources.map((s) => path.resolve(s)) }, 'spec');
    } catch (e) {
      if (e instanceof SpecError) throw new ApiError(e.message, 'bad_request', e.issues.map((i) => ({ path: i.path.replace(/^spec\./, ''), message: i.message })));
      throw e;
    }
    spec.sources.forEach((s, i) => {
      if (!fs.existsSync(s)) throw new ApiError(`corpus '${corpus}': source ${s} does not exist`, 'bad_request', [{ path: `sources.${i}`, message: `${s} does not exist` }]);
    });
    if (!spec.replace && fs.existsSync(path.join(this.dir(corpus), CORPUS_FILES.manifest))) {
      throw new ApiError(`corpus '${corpus}' already exists (use replace to overwrite it)`, 'conflict', [{ path: 'corpus', message: `a corpus named '${corpus}' already exists` }]);
    }
    return spec;
  }

  remove(name: string): void {
    this.get(name);
    fs.rmSync(this.dir(name), { recursive: true, force: true });
  }
}
