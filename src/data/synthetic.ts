/**
 * A synthetic stand-in for CIFAR-100, made in well under a second from a seed: 100 fine classes in 20
 * coarse groups of 5, as 32 x 32 RGB images with class structure that any image model can pick up. Each
 * coarse group fixes a shape family (disc, square, ring, cross, stripes, checkerboard, star...) and a
 * background tint; each fine class of the group a foreground colour and a size. Every image then gets its
 * own position, scale and brightness jitter and pixel noise, so same-class images are close but not equal.
 *
 * @example
 * ```ts
 * import { makeSyntheticDataset } from "./synthetic.ts";
 * const ds = makeSyntheticDataset({ seed: 1, trainPerClass: 2, testPerClass: 1 });
 * if (ds.train.count !== 200 || ds.fineNames[7] !== "shape1_variant2") throw new Error("unexpected layout");
 * ```
 * @module
 */
import { Rng } from "../rng.ts";
import { IMAGE_BYTES, IMAGE_SIZE, type ImageDataset, type ImageSplit } from "./types.ts";
import { COARSE_CLASSES, datasetHash, FINE_CLASSES } from "./cifar.ts";

const VARIANTS = FINE_CLASSES / COARSE_CLASSES;

/** Shape families, one per coarse group: coverage of the point (u, w), in units of the shape's radius. */
const SHAPES: ((u: number, w: number, r: number) => boolean)[] = [
  (_u, _w, r) => r < 1, // disc
  (u, w) => Math.max(Math.abs(u), Math.abs(w)) < 0.85, // square
  (_u, _w, r) => r > 0.6 && r < 1, // ring
  (u, w) => (Math.abs(u) < 0.3 && Math.abs(w) < 1) || (Math.abs(w) < 0.3 && Math.abs(u) < 1), // plus
  (u, w, r) => r < 1.1 && (Math.abs(u - w) < 0.4 || Math.abs(u + w) < 0.4), // X
  (_u, w, r) => r < 1.3 && Math.sin(w * 2 * Math.PI) > 0, // horizontal stripes
  (u, _w, r) => r < 1.3 && Math.sin(u * 2 * Math.PI) > 0, // vertical stripes
  (u, w, r) => r < 1.3 && Math.sin((u + w) * 1.6 * Math.PI) > 0, // diagonal stripes
  (u, w, r) => r < 1.3 && (Math.floor(u * 2) + Math.floor(w * 2)) % 2 === 0, // checkerboard
  (u, w) => w > -0.9 && w < 0.9 && Math.abs(u) < (w + 0.9) * 0.55, // triangle
  (u, w) => Math.abs(u) + Math.abs(w) < 1, // diamond
  (u, w) => Math.max(Math.abs(u), Math.abs(w)) < 0.95 && Math.max(Math.abs(u), Math.abs(w)) > 0.6, // frame
  (u, w) => (u - 0.5) ** 2 + w * w < 0.16 || (u + 0.5) ** 2 + w * w < 0.16, // two dots
  (u, w, r) => r < 1 && (u - 0.45) ** 2 + w * w > 0.5, // crescent
  (u, w, r) => r < 0.55 + 0.4 * Math.cos(5 * Math.atan2(w, u)), // star
  (_u, _w, r) => r < 1.3 && Math.cos(r * 3 * Math.PI) > 0, // concentric rings
  (_u, w, r) => r < 1 && w > 0, // half disc
  (u, w, r) => r < 1.3 && ((u * 2.5 + 10) % 1 - 0.5) ** 2 + ((w * 2.5 + 10) % 1 - 0.5) ** 2 < 0.09, // dot grid
  (u, w) => Math.abs(w) < 0.35 && Math.abs(u) < 1.1, // bar
  (u, w) => u * u * 4 + w * w < 1, // upright ellipse
];

function hsv(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return 255 * v * (1 - s * Math.max(0, Math.min(k, 4 - k, 1)));
  };
  return [f(5), f(3), f(1)];
}

/** Fixed look of one fine class (independent of the seed). */
interface ClassLook {
  shape: (u: number, w: number, r: number) => boolean;
  fg: [number, number, number];
  bg: [number, number, number];
  radius: number;
}

const LOOKS: ClassLook[] = Array.from({ length: FINE_CLASSES }, (_, c) => {
  const g = Math.floor(c / VARIANTS), v = c % VARIANTS;
  return {
    shape: SHAPES[g],
    fg: hsv((v / VARIANTS + g * 0.013) % 1, 0.85, 0.95),
    bg: hsv((g / COARSE_CLASSES + 0.5) % 1, 0.5, 0.35),
    radius: 8.5 + 1.2 * v,
  };
});

/** Draw one image into `out` (3072 bytes, R, G, B planes); values are clamped to 0..255. */
function drawImage(look: ClassLook, rng: Rng, out: Uint8ClampedArray): void {
  const plane = IMAGE_SIZE * IMAGE_SIZE;
  const cx = 15.5 + (rng.float() - 0.5) * 6, cy = 15.5 + (rng.float() - 0.5) * 6;
  const radius = look.radius * (0.85 + 0.3 * rng.float());
  const brightness = 0.8 + 0.4 * rng.float();
  for (let y = 0; y < IMAGE_SIZE; y++) {
    const w = (y - cy) / radius, shade = 0.7 + 0.3 * (y / (IMAGE_SIZE - 1));
    for (let x = 0; x < IMAGE_SIZE; x++) {
      const u = (x - cx) / radius;
      const on = look.shape(u, w, Math.sqrt(u * u + w * w));
      for (let ch = 0; ch < 3; ch++) {
        const base = on ? look.fg[ch] : look.bg[ch] * shade;
        // triangular noise in +-24 (sd ~10): cheaper than normals and as good for this purpose
        out[ch * plane + y * IMAGE_SIZE + x] = base * brightness + (rng.float() - rng.float()) * 24;
      }
    }
  }
}

function makeSplit(perClass: number, rng: Rng): ImageSplit {
  const count = perClass * FINE_CLASSES;
  const fine = new Uint8Array(count);
  for (let i = 0; i < count; i++) fine[i] = i % FINE_CLASSES;
  rng.shuffle(fine);
  const coarse = fine.map((f) => Math.floor(f / VARIANTS));
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const clamped = new Uint8ClampedArray(pixels.buffer);
  for (let i = 0; i < count; i++) drawImage(LOOKS[fine[i]], rng, clamped.subarray(i * IMAGE_BYTES));
  return { count, pixels, fine, coarse };
}

/** Options of {@link makeSyntheticDataset}. */
export interface SyntheticOptions {
  seed: number;
  /** Train images per fine class (default 50: 5,000 images). */
  trainPerClass?: number;
  /** Test images per fine class (default 10: 1,000 images). */
  testPerClass?: number;
}

/**
 * Make the synthetic dataset: fine class c belongs to coarse group floor(c / 5); names are `shape<g>` and
 * `shape<g>_variant<v>`. The same options give the same bytes; image order is shuffled like CIFAR's.
 */
export function makeSyntheticDataset(opts: SyntheticOptions): ImageDataset {
  const { seed, trainPerClass = 50, testPerClass = 10 } = opts;
  for (const [name, n] of [["trainPerClass", trainPerClass], ["testPerClass", testPerClass]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}.`);
  }
  const rng = new Rng(seed);
  const train = makeSplit(trainPerClass, rng.fork("train"));
  const test = makeSplit(testPerClass, rng.fork("test"));
  return {
    name: `synthetic-${seed}`,
    source:
      `makeSyntheticDataset({ seed: ${seed}, trainPerClass: ${trainPerClass}, testPerClass: ${testPerClass} })`,
    train,
    test,
    fineNames: LOOKS.map((_, c) => `shape${Math.floor(c / VARIANTS)}_variant${c % VARIANTS}`),
    coarseNames: Array.from({ length: COARSE_CLASSES }, (_, g) => `shape${g}`),
    hash: datasetHash(train, test),
  };
}
