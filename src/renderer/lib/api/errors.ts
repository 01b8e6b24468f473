// Field issues from an API error. Over HTTP they arrive as `issues`; an Error that crossed
// Electron's contextBridge keeps only its message, so fall back to reading `path: message; …` from it.
export interface Issue { path: string; message: string }

export function issuesOf(err: unknown): Issue[] {
  const e = err as { issues?: Issue[]; message?: string } | null;
  if (e?.issues?.length) return e.issues;
  const msg = (e?.message ?? '').replace(/^Error invoking remote method '[^']*': (\w*Error: )?/, '').replace(/^invalid spec: /, '');
  const parts = msg.split('; ');
  const out: Issue[] = [];
  for (const p of parts) {
    const m = /^((?:[A-Za-z_$][\w$]*|\[\d+\])(?:\.[A-Za-z_$][\w$]*|\[\d+\])*): (.+)$/s.exec(p.trim());
    if (!m) return [];
    out.push({ path: m[1], message: m[2] });
  }
  return out;
}
