// ONNX export of an MLP: a ModelProto encoded with protobufjs against the official schema
// (resources/onnx/onnx.proto3, loaded from its generated JSON form).
//
// Graph: input [batch, inputs] → (Gemm → Relu|Tanh)* → Gemm → logits [batch, outputs].
// Gemm computes A·B + C with B = W as stored ([in, out], so transB = 0) and C = b broadcast
// over the batch, which is exactly the in-app forward pass; masked units must already be
// compacted away or zeroed (a zero column/bias and zero outgoing row contribute nothing).
import protobuf from 'protobufjs';
import { layerDims, type MlpWeights } from '../models/mlp/model';
import { type ExportMeta, metaProps } from './meta';
import schemaFile from './onnxSchema.json';

/** Default opset 21 (IR 10, onnx 1.16): read by onnxruntime ≥ 1.18 and onnx ≥ 1.16. The operators
 *  used here have not changed since opset 14, so a newer stamp would only shut out older runtimes;
 *  a newer one can be asked for (up to 26, the newest onnxruntime 1.30 officially supports). */
export const ONNX_OPSET = 21;
/** Opset → the IR version the onnx release that introduced it writes (onnx/helper.py VERSION_TABLE). */
export const ONNX_IR_FOR_OPSET: Readonly<Record<number, number>> = {
  17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10, 23: 11, 24: 12, 25: 13, 26: 13,
};
export const ONNX_OPSETS = Object.keys(ONNX_IR_FOR_OPSET).map(Number);
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'logits';

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT

let root: protobuf.Root | null = null;
/** The ONNX schema as a protobufjs Root (parsed once). */
export function onnxRoot(): protobuf.Root {
  root ??= protobuf.Root.fromJSON((schemaFile as { root: protobuf.INamespace }).root);
  return root;
}

function tensor(name: string, dims: number[], data: Float32Array) {
  // raw_data is little-endian by the spec; Float32Array is little-endian on every platform
  // Node and Electron ship for, so the bytes go out as they are.
  return { name, dims, data_type: FLOAT, raw_data: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

function valueInfo(name: string, width: number) {
  return {
    name,
    type: { tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_param: 'batch' }, { dim_value: width }] } } },
  };
}

/** The ModelProto as a plain object (what protobufjs encodes). */
export function onnxModelObject(w: MlpWeights, meta: ExportMeta, opset = ONNX_OPSET): Record<string, unknown> {
  const irVersion = ONNX_IR_FOR_OPSET[opset];
  if (!irVersion) throw new Error(`ONNX opset ${opset} is not supported (choose one of ${ONNX_OPSETS.join(', ')})`);
  const d = layerDims(w.config);
  const last = d.length - 2;
  const nodes: Record<string, unknown>[] = [];
  const initializer: Record<string, unknown>[] = [];
  let x = ONNX_INPUT;
  for (let l = 0; l <= last; l++) {
    initializer.push(tensor(`layers.${l}.weight`, [d[l], d[l + 1]], w.W[l]), tensor(`layers.${l}.bias`, [d[l + 1]], w.b[l]));
    const z = l === last ? ONNX_OUTPUT : `layers.${l}.pre`;
    nodes.push({
      name: `gemm_${l}`, op_type: 'Gemm', domain: '',
      input: [x, `layers.${l}.weight`, `layers.${l}.bias`], output: [z],
      attribute: [{ name: 'transB', type: ATTR_INT, i: 0 }],
    });
    if (l < last) {
      const a = `layers.${l}.act`;
      nodes.push({ name: `act_${l}`, op_type: w.config.activation === 'tanh' ? 'Tanh' : 'Relu', domain: '', input: [z], output: [a] });
      x = a;
    }
  }
  const props = metaProps(meta, w);
  return {
    ir_version: irVersion,
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'whittle',
    producer_version: meta.whittleVersion,
    model_version: 1,
    doc_string: `${meta.name}: narrow model for skill ${meta.skill ?? '(unnamed)'}; outputs logits (no softmax).`,
    graph: {
      name: 'whittle_mlp',
      node: nodes,
      initializer,
      input: [valueInfo(ONNX_INPUT, d[0])],
      output: [valueInfo(ONNX_OUTPUT, d[d.length - 1])],
    },
    metadata_props: Object.entries(props).map(([key, value]) => ({ key, value })),
  };
}

export function encodeOnnx(w: MlpWeights, meta: ExportMeta, opset = ONNX_OPSET): Uint8Array {
  const Model = onnxRoot().lookupType('onnx.ModelProto');
  const obj = onnxModelObject(w, meta, opset);
  const err = Model.verify(obj);
  if (err) throw new Error(`ONNX model does not match the schema: ${err}`);
  return Model.encode(Model.fromObject(obj)).finish();
}

/** Decode an ONNX file back to a plain object (tests, and reading metadata back). */
export function decodeOnnx(buf: Uint8Array): Record<string, unknown> {
  const Model = onnxRoot().lookupType('onnx.ModelProto');
  return Model.toObject(Model.decode(buf), { longs: Number, bytes: Uint8Array, defaults: false }) as Record<string, unknown>;
}
