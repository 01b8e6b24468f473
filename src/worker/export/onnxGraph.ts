// A small builder for ONNX graphs as the plain objects protobufjs encodes (onnx.ts's schema):
// nodes get unique output names, initializers carry raw little-endian data, attributes are typed
// explicitly (ONNX tells an int attribute from a float one by its type field, not its value).
export const DT = { FLOAT: 1, INT64: 7, BOOL: 9 } as const;
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

export type Attr = { f: number } | { i: number } | { ints: number[] } | { s: string };
export const f = (v: number): Attr => ({ f: v });
export const i = (v: number): Attr => ({ i: v });
export const ints = (v: number[]): Attr => ({ ints: v });

type Dim = number | string;
export type Obj = Record<string, unknown>;

function bytesOf(a: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  // Typed arrays are little-endian on every platform Node and Electron ship for: raw_data as is.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function valueInfo(name: string, elemType: number, dims: Dim[]): Obj {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

export class GraphBuilder {
  readonly nodes: Obj[] = [];
  readonly initializers: Obj[] = [];
  private count = 0;
  private consts = new Map<string, string>();

  constructor(readonly opset: number) {}

  /** A float32 initializer (weights). */
  weight(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dims, data_type: DT.FLOAT, raw_data: bytesOf(data) });
    return name;
  }

  /** A shared int64 constant (shapes, axes, indices): 1-D unless `scalar`. */
  i64(values: number[], scalar = false): string {
    const key = `i64:${scalar ? 's' : 'v'}:${values.join(',')}`;
    let name = this.consts.get(key);
    if (!name) {
      name = `const_i64_${this.consts.size}`;
      this.initializers.push({ name, dims: scalar ? [] : [values.length], data_type: DT.INT64, raw_data: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))) });
      this.consts.set(key, name);
    }
    return name;
  }

  /** A shared float32 scalar constant. */
  f32(value: number): string {
    const key = `f32:${value}`;
    let name = this.consts.get(key);
    if (!name) {
      name = `const_f32_${this.consts.size}`;
      this.initializers.push({ name, dims: [], data_type: DT.FLOAT, raw_data: bytesOf(Float32Array.of(value)) });
      this.consts.set(key, name);
    }
    return name;
  }

  /** Add one node; returns its output names (`outputs` of them, or the given names). */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs: number | string[] = 1): string[] {
    const id = this.count++;
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, k) => `${op.toLowerCase()}_${id}${outputs > 1 ? `_${k}` : ''}`) : outputs;
    const attribute = Object.entries(attrs).map(([name, a]) => {
      if ('f' in a) return { name, type: ATTR.FLOAT, f: a.f };
      if ('i' in a) return { name, type: ATTR.INT, i: a.i };
      if ('ints' in a) return { name, type: ATTR.INTS, ints: a.ints };
      return { name, type: ATTR.STRING, s: new TextEncoder().encode(a.s) };
    });
    this.nodes.push({ name: `${op}_${id}`, op_type: op, domain: '', input: inputs, output: outs, attribute });
    return outs;
  }

  /** Single-output node. */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    return this.node(op, inputs, attrs, output ? [output] : 1)[0];
  }

  // ---- shorthands whose form depends on the opset ------------------------------------------------

  /** Mean over the last axis, keeping it (ReduceMean took axes as an attribute before opset 18). */
  meanLast(x: string): string {
    return this.opset >= 18
      ? this.op('ReduceMean', [x, this.i64([-1])], { keepdims: i(1) })
      : this.op('ReduceMean', [x], { axes: ints([-1]), keepdims: i(1) });
  }

  /** x[..., start:end] along `axis` (constant bounds). */
  slice(x: string, axis: number, start: number, end: number): string {
    return this.op('Slice', [x, this.i64([start]), this.i64([end]), this.i64([axis])]);
  }

  unsqueeze(x: string, axes: number[]): string { return this.op('Unsqueeze', [x, this.i64(axes)]); }
  reshape(x: string, shape: number[]): string { return this.op('Reshape', [x, this.i64(shape)]); }
  transpose(x: string, perm: number[]): string { return this.op('Transpose', [x], { perm: ints(perm) }); }
  /** Dimension `axis` of x as a 1-D int64 tensor of one element. */
  dim(x: string, axis: number): string { return this.op('Shape', [x], { start: i(axis), end: i(axis + 1) }); }
}
