// Measurements that explain where Whittle's numbers and the paper's part ways (issue #22), as the
// report prints them under each result. Written from the measurement files in
// docs/reproduce/measurements/ (each names the commands that produced it); the verdicts themselves
// are never taken from here.
export const EVIDENCE: Record<string, string> = {};
