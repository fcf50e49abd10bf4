/**
 * Parity of the checkpoint reader and the TensorFlow.js ResNet with the original PyTorch code, on the
 * reference vectors of `resnet.json` (random-weight ResNet-56 and ResNet-20 in both torch.save formats).
 *
 * @module
 */
import { join } from "node:path";
import { activeBackend, initBackend } from "../backend.ts";
import { maxAbsDiff, type ParityCase, readFixture } from "../parity/types.ts";
import { CifarResNet, normalizeNchw } from "./resnet.ts";
import { loadOnnxRuntime, OnnxResNet } from "./onnx_resnet.ts";
import { loadStateDict } from "./torch_checkpoint.ts";

interface FixtureTensor {
  shape: number[];
  data: number[];
}

/** One case of resnet.json. */
interface ResNetFixtureCase {
  file: string;
  layers: number[];
  zip_format: boolean;
  /** n x 3 x 32 x 32. */
  pixels_uint8_nchw: FixtureTensor;
  normalize_mean: number[];
  normalize_std: number[];
  /** n x 64. */
  features: FixtureTensor;
  /** n x 100. */
  logits: FixtureTensor;
  /** Key → shape, in the file's order. */
  state_dict_keys: Record<string, number[]>;
}

const FILE = "resnet.json";
const TOLERANCE = 1e-4;

/**
 * Largest |a - b| / max(1, |b|): the absolute error for values up to 1, the relative error beyond. The
 * random ResNet-56 of the fixture reaches features of 1.4e5, where one float32 ulp is already 0.008, so a
 * purely absolute 1e-4 cannot hold for it (or for PyTorch run twice with another summation order).
 */
function scaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; index: number } {
  if (a.length !== b.length) return { max: Infinity, index: -1 };
  const scaled = Array.from(a, (v, i) => (v - b[i]) / Math.max(1, Math.abs(b[i])));
  return maxAbsDiff(scaled, new Float64Array(a.length));
}

/**
 * Check every case of `<dir>/resnet.json` (and the .pth files it names, beside it): the state-dict keys and
 * shapes, the 64-d features and the logits within 1e-4 (absolute below 1, relative above). Returns [] when resnet.json is absent.
 */
export async function resnetParity(dir: string): Promise<ParityCase[]> {
  const fixture = await readFixture<{ cases: ResNetFixtureCase[] }>(dir, FILE);
  if (!fixture) return [];
  if (!activeBackend()) await initBackend("auto");
  const cases = fixture.cases;
  const out: ParityCase[] = [];
  for (const c of cases) {
    const label = `${c.file} (ResNet-${2 * c.layers.reduce((a, b) => a + b, 0) + 2}, ` +
      `${c.zip_format ? "zip" : "legacy"} format)`;
    const sd = await loadStateDict(join(dir, c.file));
    const expectedKeys = Object.entries(c.state_dict_keys);
    const actualKeys = [...sd.entries()];
    const keyMismatch = expectedKeys.findIndex(([k, shape], i) =>
      actualKeys[i]?.[0] !== k || actualKeys[i][1].shape.join() !== shape.join()
    );
    const keysOk = keyMismatch < 0 && expectedKeys.length === actualKeys.length;
    out.push({
      file: FILE,
      name: `${label}: state-dict keys and shapes`,
      maxError: keysOk ? 0 : 1,
      tolerance: 0,
      kind: "abs",
      ok: keysOk,
      ...(keysOk ? {} : { worst: expectedKeys[keyMismatch]?.[0] ?? `${actualKeys.length} keys` }),
    });
    const n = c.pixels_uint8_nchw.shape[0];
    const pixels = Uint8Array.from(c.pixels_uint8_nchw.data);
    const norm = { mean: c.normalize_mean, std: c.normalize_std };
    const check = (model: string, got: { features: Float32Array; logits: Float32Array }) => {
      const outputs = { features: [got.features, c.features], logits: [got.logits, c.logits] } as const;
      for (const [what, [values, want]] of Object.entries(outputs)) {
        const d = scaledDiff(values, want.data);
        out.push({
          file: FILE,
          name: `${label}, ${model}: ${what}, |error| / max(1, |reference|)`,
          maxError: d.max,
          tolerance: TOLERANCE,
          kind: "rel",
          ok: d.max <= TOLERANCE,
          worst: `${what}[${d.index}]: ${values[d.index]} vs ${want.data[d.index]}`,
        });
      }
    };
    const net = CifarResNet.fromStateDict(sd, join(dir, c.file));
    try {
      const { features, logits } = net.forward(pixels, n, norm, { logits: true });
      check(`tfjs ${activeBackend()?.name}`, { features, logits: logits! });
    } finally {
      net.dispose();
    }
    // The same network on ONNX Runtime, the fast path of feature extraction, where it loads.
    if (await loadOnnxRuntime()) {
      const onnx = await OnnxResNet.create(sd, { threads: 1, source: join(dir, c.file) });
      try {
        check("onnxruntime", await onnx.forwardNormalized(normalizeNchw(pixels, n, norm), n));
      } finally {
        await onnx.dispose();
      }
    }
  }
  return out;
}
