// Physical compaction by symbolic axes, shared by every family: each declared parameter keeps the
// rows/columns its axes keep ('d' → kept residual dimensions, 'f<l>' → kept units of layer l,
// a number → everything). A family supplies its declarations and which indices each axis keeps.
import type { Axis } from './decoder/config';
import type { ParamDeclaration } from './units';

/** Indices where the mask is non-zero (the kept units / dimensions). */
export function keptIndices(m: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) out.push(i);
  return out;
}

/**
 * Slice every declared parameter. `shapeOf` gives a declaration's full shape; `keep(axis)` the
 * indices an axis keeps (null = all of them). Returns the sliced parameters by name, checked
 * against `newShapeOf` when given (the compacted config's shapes).
 */
export function sliceParams(
  decls: readonly ParamDeclaration[], shapeOf: (d: ParamDeclaration) => number[], params: Record<string, Float32Array>,
  keep: (axis: Axis) => number[] | null, newShapeOf?: (name: string) => number[] | undefined,
): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);
  for (const d of decls) {
    const shape = shapeOf(d);
    const src = params[d.name];
    if (!src) throw new Error(`compaction: no values for ${d.name}`);
    if (d.axes.length === 1) {
      const rows = keep(d.axes[0]) ?? all(shape[0]);
      out[d.name] = Float32Array.from(rows, (i) => src[i]);
    } else if (d.axes.length === 2) {
      const rows = keep(d.axes[0]) ?? all(shape[0]);
      const cols = keep(d.axes[1]) ?? all(shape[1]);
      const dst = new Float32Array(rows.length * cols.length);
      rows.forEach((r, i) => { const base = r * shape[1]; cols.forEach((c, j) => { dst[i * cols.length + j] = src[base + c]; }); });
      out[d.name] = dst;
    } else {
      throw new Error(`compaction of ${d.name}: rank-${d.axes.length} parameters are not supported`);
    }
    const want = newShapeOf?.(d.name);
    if (want && out[d.name].length !== want.reduce((a, b) => a * b, 1)) {
      throw new Error(`compaction of ${d.name}: ${out[d.name].length} values for shape [${want}]`);
    }
  }
  return out;
}
