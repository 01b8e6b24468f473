// Schema migrations, applied in order; PRAGMA user_version records how many have run.
// Append only: never edit a migration that has shipped.
export const MIGRATIONS: { name: string; sql: string }[] = [
  {
    name: 'initial',
    sql: `
      CREATE TABLE studies (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, spec TEXT NOT NULL,
        created_at INTEGER NOT NULL, summary TEXT
      );
      CREATE TABLE runs (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
        study_id TEXT REFERENCES studies(id) ON DELETE CASCADE, study_key TEXT,
        spec TEXT NOT NULL, depends_on TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER,
        progress TEXT, summary TEXT, error TEXT, backend TEXT,
        checkpoint TEXT, owner_pid INTEGER, cancel_requested INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX runs_study ON runs(study_id);
      CREATE INDEX runs_status ON runs(status);
      -- Clustered on (run, key, step): series reads are range scans and appends stay cheap
      -- (a secondary index instead made batched inserts ~4x slower). One value per (run, key, step).
      CREATE TABLE metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL, step INTEGER NOT NULL, value REAL NOT NULL, samples REAL,
        PRIMARY KEY (run_id, key, step)
      ) WITHOUT ROWID;
      CREATE TABLE artifacts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        kind TEXT NOT NULL, path TEXT NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL,
        created_at INTEGER NOT NULL, meta TEXT
      );
      CREATE INDEX artifacts_run ON artifacts(run_id);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT REFERENCES runs(id) ON DELETE CASCADE,
        at INTEGER NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL
      );
      CREATE INDEX events_run ON events(run_id);
    `,
  },
  {
    name: 'datasets',
    sql: `
      CREATE TABLE datasets (
        name TEXT PRIMARY KEY, source_path TEXT NOT NULL, source_kind TEXT NOT NULL,
        classes TEXT NOT NULL, shape TEXT NOT NULL, train_count INTEGER NOT NULL, test_count INTEGER NOT NULL,
        checksum TEXT NOT NULL, run_id TEXT, created_at INTEGER NOT NULL, meta TEXT NOT NULL
      );
    `,
  },
  {
    name: 'run error kind',
    // 'input' (the run rejected its input's content) or 'internal'; null for runs without an error.
    sql: 'ALTER TABLE runs ADD COLUMN error_kind TEXT;',
  },
  {
    name: 'run owner liveness',
    // Who runs a run: the owner's start time (with owner_pid it names one process even after pid
    // reuse) and its last heartbeat; any reader marks a run whose owner is gone interrupted.
    sql: 'ALTER TABLE runs ADD COLUMN owner_start TEXT; ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER;',
  },
  {
    // Migration 5. Notes and tags a person puts on runs (#16). Tags get their own table so a tag
    // filter is an index lookup (run_tags_tag covers tag → run_id); runs_created lets the list read
    // newest-first from an index instead of sorting every row.
    name: 'run notes and tags',
    sql: `
      ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
      CREATE TABLE run_tags (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, tag TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX run_tags_tag ON run_tags(tag);
      CREATE INDEX runs_created ON runs(created_at);
    `,
  },
  {
    name: 'trash',
    // #16 item 6 (migration 6 in the #16 merge plan). A deleted run or study keeps its rows with the
    // trash entry's id in trash_id (hidden from every read; no extra space needed, so a full disk can
    // still delete) until the entry is restored, expires or is emptied; run folders move to trash/.
    sql: `
      CREATE TABLE trash (id TEXT PRIMARY KEY, label TEXT NOT NULL, deleted_at INTEGER NOT NULL);
      ALTER TABLE runs ADD COLUMN trash_id TEXT;
      ALTER TABLE studies ADD COLUMN trash_id TEXT;
    `,
  },
  {
    name: 'slurm tasks',
    // #21: runs executed as Slurm array elements. The node writes only files in the run folder; the
    // coordinator ingests them (executors/ingest.ts) and keeps here how far it read each file, the
    // job id and index, and the queue state squeue last reported.
    sql: `
      CREATE TABLE slurm_tasks (
        run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        options TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 0, resume_from TEXT,
        job_id TEXT, array_index INTEGER, state TEXT, reason TEXT, node TEXT, partition TEXT,
        started INTEGER NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 1,
        metrics_offset INTEGER NOT NULL DEFAULT 0, events_offset INTEGER NOT NULL DEFAULT 0,
        submitted_at INTEGER, updated_at INTEGER
      );
      CREATE INDEX slurm_tasks_active ON slurm_tasks(active);
    `,
  },
];
