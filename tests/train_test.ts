import assert from "node:assert/strict";
import { join } from "node:path";
import { type BackendInfo, initBackend } from "../src/backend.ts";
import { ConfigError, resolveConfig, type RunConfig } from "../src/config.ts";
import type { Game, GameBatch, GameState, StepOutput } from "../src/game/types.ts";
import type { Rng } from "../src/rng.ts";
import {
  CheckpointFormatError,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
} from "../src/train/checkpoint.ts";
import { loadInteractions } from "../src/train/interactions.ts";
import { type MetricLine, runPaths } from "../src/train/layout.ts";
import { RunFolderError, type TrainOptions, trainRun } from "../src/train/train.ts";
import { toyFeatureBundle } from "../src/train/toy_features.ts";
import { runName } from "../src/train/run_name.ts";

const BACKEND: BackendInfo = { name: "fake", package: "none", tfjsVersion: "0" };
const features = toyFeatureBundle({
  numClasses: 10,
  trainPerClass: 20,
  testPerClass: 6,
  noiseCount: 30,
  dim: 8,
});

/**
 * A tiny deterministic game in plain JS: the receiver scores candidate j by sum_d w_d s_d c_jd and learns w
 * with a momentum step towards the target; the temperature scales noise from the rng, so metrics depend on
 * the weights, the momentum, the temperature and every random stream, as those of the real game do.
 */
class FakeGame implements Game {
  w: Float32Array;
  m: Float32Array;
  step = 0;
  trainCalls = 0;
  disposed = false;
  constructor(readonly config: RunConfig, readonly dim: number, rng: Rng) {
    this.w = Float32Array.from({ length: dim }, () => rng.normal() * 0.5 - 0.2);
    this.m = new Float32Array(dim);
  }
  #play(batch: GameBatch, noise?: { temperature: number; rng: Rng }): StepOutput & { grad: Float32Array } {
    const { dim } = this, k = this.config.numImgs, width = this.config.maxLen + 1;
    const acc = new Float32Array(batch.size), prediction = new Int32Array(batch.size);
    const grad = new Float32Array(dim);
    const symbols = new Uint8Array(batch.size * width), length = new Float32Array(batch.size);
    for (let b = 0; b < batch.size; b++) {
      let best = -Infinity;
      for (let j = 0; j < k; j++) {
        let s = noise ? noise.temperature * noise.rng.normal() : 0;
        for (let d = 0; d < dim; d++) {
          s += this.w[d] * batch.senderInput[b * dim + d] * batch.receiverInput[(b * k + j) * dim + d];
        }
        if (s > best) [best, prediction[b]] = [s, j];
      }
      acc[b] = prediction[b] === batch.target[b] ? 1 : 0;
      for (let d = 0; d < dim; d++) {
        const s = batch.senderInput[b * dim + d];
        grad[d] += s * (batch.receiverInput[(b * k + batch.target[b]) * dim + d] -
          batch.receiverInput[(b * k + prediction[b]) * dim + d]);
        if (d < width - 1) symbols[b * width + d] = 1 + Math.floor(Math.abs(s * 10)) % 9;
      }
      length[b] = 1 + (b % width);
    }
    const loss = 1 - acc.reduce((a, x) => a + x, 0) / batch.size;
    const imgClassAcc = this.config.task === "standard" ? undefined : acc.map((a) => 1 - a);
    return { loss, acc, length, symbols, prediction, grad, ...(imgClassAcc ? { imgClassAcc } : {}) };
  }
  trainStep(batch: GameBatch, temperature: number, rng: Rng): StepOutput {
    const out = this.#play(batch, { temperature, rng });
    for (let d = 0; d < this.dim; d++) {
      this.m[d] = 0.9 * this.m[d] + out.grad[d] / batch.size;
      this.w[d] += this.config.lr * this.m[d];
    }
    this.step++;
    this.trainCalls++;
    return out;
  }
  evalStep(batch: GameBatch): StepOutput {
    return this.#play(batch);
  }
  getState(): GameState {
    return {
      params: { w: { shape: [this.dim], data: this.w.slice() } },
      optimizer: { step: this.step, m: { w: this.m.slice() }, v: { w: new Float32Array(this.dim) } },
    };
  }
  setState(state: GameState): void {
    this.w = state.params.w.data.slice();
    this.m = state.optimizer!.m.w.slice();
    this.step = state.optimizer!.step;
  }
  dispose(): void {
    this.disposed = true;
  }
}

let games: FakeGame[] = [];
const fakeFactory = (config: RunConfig, dim: number, rng: Rng) => {
  const g = new FakeGame(config, dim, rng);
  games.push(g);
  return g;
};

function config(overrides: Partial<RunConfig> = {}): RunConfig {
  return resolveConfig({ batchSize: 16, epochs: 4, maxLen: 3, lr: 0.05, earlyStopAcc: 1.0001, ...overrides });
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "train_test_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function run(runDir: string, cfg: RunConfig, extra: Partial<TrainOptions> = {}) {
  return trainRun({ config: cfg, features, runDir, backend: BACKEND, createGame: fakeFactory, ...extra });
}

async function readMetrics(dir: string): Promise<MetricLine[]> {
  const text = await Deno.readTextFile(runPaths(dir).metrics);
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

const withoutSeconds = (lines: MetricLine[]) => lines.map(({ seconds: _, ...rest }) => rest);

Deno.test("trainRun() writes config, manifest, metrics, interactions, checkpoints and result", async () => {
  await withDir(async (dir) => {
    const cfg = config({ task: "img_clas", evalNoise: true });
    const result = await run(dir, cfg, { manifestExtra: { argv: ["x"] } });
    const paths = runPaths(dir);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(paths.config)), cfg);
    const manifest = JSON.parse(await Deno.readTextFile(paths.manifest));
    assert.equal(manifest.tool.name, "@vcp/visual-concepts-pressure");
    assert.equal(manifest.tfjs.backend, "fake");
    assert.equal(manifest.features.key, features.meta.key);
    assert.equal(manifest.runtime.deno, Deno.version.deno);
    assert.deepEqual(manifest.argv, ["x"]);
    assert.ok(manifest.gitCommit === null || /^[0-9a-f]{40}$/.test(manifest.gitCommit));

    const lines = await readMetrics(dir);
    assert.deepEqual(lines.map((l) => `${l.epoch}${l.mode}`), [
      "1train",
      "1test",
      "2train",
      "2test",
      "3train",
      "3test",
      "4train",
      "4test",
      `${result.bestEpoch}noise`,
    ]); // deno-fmt-ignore
    for (const l of lines) {
      assert.deepEqual(Object.keys(l).sort(), [
        "acc", "epoch", "img_class_acc", "length", "loss", "mode", "seconds", "temperature",
      ]); // deno-fmt-ignore
      assert.ok(l.acc >= 0 && l.acc <= 1 && l.length >= 1 && l.length <= cfg.maxLen + 1 && l.seconds >= 0);
    }
    // Means over games: acc of the test line equals the mean of the saved per-game accuracies.
    const it = await loadInteractions(paths.interactions(2));
    assert.equal(it.n, features.test.count);
    assert.equal(it.width, cfg.maxLen + 1);
    assert.ok(it.imgClassAcc);
    assert.ok(Math.abs(it.acc.reduce((a, x) => a + x, 0) / it.n - lines[3].acc) < 1e-6);
    assert.deepEqual([...it.targetClass], [...it.targetIndex].map((t) => features.test.fine[t]));
    const noise = await loadInteractions(paths.noiseInteractions);
    assert.equal(noise.mode, "noise");
    assert.equal(noise.n, features.noise.count);

    const tests = lines.filter((l) => l.mode === "test");
    const bestAcc = Math.max(...tests.map((l) => l.acc));
    assert.equal(result.bestAcc, bestAcc);
    assert.equal(result.bestEpoch, tests.find((l) => l.acc === bestAcc)!.epoch, "first epoch on ties");
    assert.equal(
      result.bestTrainImgClassAcc,
      lines.find((l) => l.mode === "train" && l.epoch === result.bestEpoch)!.img_class_acc,
    );
    assert.equal(result.noiseAcc, lines[8].acc);
    assert.equal(result.epochsRun, 4);
    assert.equal(result.stoppedEarly, false);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(paths.result)), result);
    assert.ok(games.every((g) => g.disposed));
  });
});

Deno.test("trainRun() decays the temperature by 0.9 per epoch down to 0.1", async () => {
  await withDir(async (dir) => {
    await run(dir, config({ epochs: 5, temperature: 0.13 }));
    const temps = (await readMetrics(dir)).filter((l) => l.mode === "train").map((l) => l.temperature);
    const want = [0.13, 0.13 * 0.9, 0.13 * 0.9 * 0.9, 0.1, 0.1];
    temps.forEach((t, i) => assert.ok(Math.abs(t - want[i]) < 1e-12, `${temps}`));
  });
});

Deno.test("trainRun() stops early once validation acc reaches earlyStopAcc", async () => {
  await withDir(async (dir) => {
    const result = await run(dir, config({ epochs: 10, earlyStopAcc: 0.6 }));
    const tests = (await readMetrics(dir)).filter((l) => l.mode === "test");
    assert.equal(result.stoppedEarly, true);
    assert.ok(result.epochsRun < 10);
    assert.equal(tests.length, result.epochsRun);
    assert.ok(tests.at(-1)!.acc >= 0.6);
    assert.ok(tests.slice(0, -1).every((l) => l.acc < 0.6));
  });
});

Deno.test("trainRun() checkpoints the epoch with the best validation acc", async () => {
  await withDir(async (dir) => {
    games = [];
    const states: GameState[] = [];
    const result = await run(dir, config({ epochs: 4 }), { onEpoch: () => states.push(games[0].getState()) });
    const best = await loadCheckpoint(runPaths(dir).best);
    assert.deepEqual(best, states[result.bestEpoch - 1]);
    assert.deepEqual(await loadCheckpoint(runPaths(dir).last), states[3]);
  });
});

Deno.test("trainRun() resumed after an interruption gives the metrics of an uninterrupted run", async () => {
  await withDir(async (dir) => {
    const cfg = config({ epochs: 3, sameClassProb: 0.5, evalNoise: true });
    const straight = join(dir, "straight"), resumed = join(dir, "resumed");
    const full = await run(straight, cfg);
    assert.equal(await run(resumed, cfg, { stopAfterEpochs: 2 }), undefined);
    assert.equal(await Deno.stat(runPaths(resumed).result).catch(() => null), null);
    // A kill mid-epoch 3 left a complete line and half a line behind.
    const lines = await readMetrics(resumed);
    await Deno.writeTextFile(
      runPaths(resumed).metrics,
      JSON.stringify({ ...lines[0], epoch: 3 }) + '\n{"epoch": 3, "mo',
      {
        append: true,
      },
    );
    const again = await run(resumed, cfg);
    assert.deepEqual(withoutSeconds(await readMetrics(resumed)), withoutSeconds(await readMetrics(straight)));
    assert.deepEqual({ ...again, seconds: 0 }, { ...full, seconds: 0 });
    assert.deepEqual(
      await loadCheckpoint(runPaths(resumed).best),
      await loadCheckpoint(runPaths(straight).best),
    );
  });
});

Deno.test("trainRun() gives identical metrics for the same seed and different ones for another", async () => {
  await withDir(async (dir) => {
    const cfg = config({ epochs: 2 });
    await run(join(dir, "a"), cfg);
    await run(join(dir, "b"), cfg);
    await run(join(dir, "c"), { ...cfg, seed: 8 });
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((x) => readMetrics(join(dir, x))));
    assert.deepEqual(withoutSeconds(a), withoutSeconds(b));
    assert.notDeepEqual(withoutSeconds(a), withoutSeconds(c));
  });
});

Deno.test("trainRun() returns a finished run's result without training", async () => {
  await withDir(async (dir) => {
    const cfg = config({ epochs: 1 });
    const first = await run(dir, cfg);
    games = [];
    const second = await run(dir, cfg);
    assert.deepEqual(second, first);
    assert.equal(games.length, 0);
  });
});

Deno.test("trainRun() refuses a folder holding another run and invalid input, writing nothing", async () => {
  await withDir(async (dir) => {
    await run(join(dir, "a"), config({ epochs: 1 }), { stopAfterEpochs: 0 });
    await assert.rejects(run(join(dir, "a"), config({ epochs: 1, seed: 9 })), (e: Error) => {
      assert.ok(e instanceof RunFolderError);
      assert.match(e.message, /seed = 7, not 9/);
      return true;
    });
    const bad = join(dir, "bad");
    for (
      const [cfg, extra, message] of [
        [{ ...config(), numImgs: 1 }, {}, /numImgs \(--num-imgs\)/],
        [{ ...config(), sameClassProb: 1.5 }, {}, /sameClassProb/],
        [{ ...config(), task: "foo" as never }, {}, /Invalid task/],
        [{ ...config(), task: "target_clas", numClasses: 5 }, {}, /numClasses.*at least 10/],
        [config(), { limitTrain: 0 }, /limitTrain/],
      ] as const
    ) {
      await assert.rejects(run(bad, cfg as RunConfig, extra), (e: Error) => {
        assert.ok(e instanceof ConfigError, e.message);
        assert.match(e.message, message);
        return true;
      });
    }
    assert.equal(await Deno.stat(bad).catch(() => null), null);
  });
});

Deno.test("decodeCheckpoint() round-trips a game state and rejects a damaged file", () => {
  const state: GameState = {
    params: { "sender.w": { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) } },
    optimizer: {
      step: 7,
      m: { "sender.w": new Float32Array(6).fill(0.5) },
      v: { "sender.w": new Float32Array(6) },
      extra: { baseline: 0.25 },
    },
  };
  const bytes = encodeCheckpoint(state);
  assert.deepEqual(decodeCheckpoint(bytes), state);
  const flipped = bytes.slice();
  flipped[flipped.length - 1] ^= 1;
  assert.throws(
    () => decodeCheckpoint(flipped, "best.bin"),
    (e: Error) => e instanceof CheckpointFormatError && /best\.bin.*checksum/.test(e.message),
  );
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, 20), "last.bin"), /last\.bin is damaged/);
});

Deno.test("trainRun() adds the noise evaluation to a finished run without retraining", async () => {
  await withDir(async (dir) => {
    const cfg = config({ epochs: 2 });
    const first = await run(dir, cfg);
    assert.equal(first.noiseAcc, undefined);
    games = [];
    const second = await run(dir, { ...cfg, evalNoise: true });
    assert.equal(games.length, 1);
    assert.equal(games[0].trainCalls, 0, "no training step");
    assert.equal(second.bestEpoch, first.bestEpoch);
    assert.equal(typeof second.noiseAcc, "number");
    const lines = await readMetrics(dir);
    assert.deepEqual(lines.map((l) => l.mode), ["train", "test", "train", "test", "noise"]);
    assert.equal(JSON.parse(await Deno.readTextFile(runPaths(dir).config)).evalNoise, true);
  });
});

Deno.test("runName() names the task, p and seed, then the fields that differ from the paper's", () => {
  assert.equal(runName(resolveConfig()), "standard_p0_s7");
  assert.equal(
    runName(resolveConfig({ task: "img_clas", sameClassProb: 0.5, seed: 122, evalNoise: true })),
    "img_clas_p0.5_s122",
  );
  assert.equal(
    runName(
      resolveConfig({
        task: "target_clas",
        sameClassProb: 1,
        seed: 809,
        gameType: "rf",
        cell: "lstm",
        lr: 5e-4,
        numImgs: 5,
      }),
    ),
    "target_clas_p1_s809_rf_k5_lstm_lr0.0005",
  );
  assert.equal(runName(resolveConfig({ lr: 1e-7, seed: -3 })), "standard_p0_s-3_lr1e-7");
});

// --- With the real Gumbel-softmax game (src/game) on toy features -------------------------------------------

const small = (overrides: Partial<RunConfig> = {}) =>
  resolveConfig({
    batchSize: 16,
    vocabSize: 10,
    maxLen: 2,
    hiddenSize: 32,
    embedSize: 8,
    receiverProjSize: 32,
    lr: 0.01,
    ...overrides,
  });
const toy = toyFeatureBundle({ numClasses: 20, trainPerClass: 20, testPerClass: 5, noiseCount: 64, dim: 16 });

Deno.test("trainRun() with the GS game learns a toy game well above chance", async () => {
  const backend = await initBackend("auto");
  await withDir(async (dir) => {
    const result = await trainRun({ config: small({ epochs: 8 }), features: toy, runDir: dir, backend });
    assert.ok(result.bestAcc > 0.75, `best acc ${result.bestAcc} (chance 0.5)`);
  });
});

Deno.test("trainRun() with the GS game resumes to the metrics of an uninterrupted run", async () => {
  const backend = await initBackend("auto");
  await withDir(async (dir) => {
    const cfg = small({
      epochs: 3,
      task: "img_clas",
      sameClassProb: 0.5,
      evalNoise: true,
      earlyStopAcc: 1.0001,
    });
    const opts = { config: cfg, features: toy, backend };
    const full = await trainRun({ ...opts, runDir: join(dir, "a") });
    await trainRun({ ...opts, runDir: join(dir, "b"), stopAfterEpochs: 2 });
    const resumed = await trainRun({ ...opts, runDir: join(dir, "b") });
    assert.deepEqual(
      withoutSeconds(await readMetrics(join(dir, "b"))),
      withoutSeconds(await readMetrics(join(dir, "a"))),
    );
    assert.deepEqual({ ...resumed, seconds: 0 }, { ...full, seconds: 0 });
  });
});

Deno.test("deno task train rejects an invalid value naming the flag, exits 2 and writes nothing", async () => {
  const script = new URL("../tasks/train.ts", import.meta.url).pathname;
  await withDir(async (cwd) => {
    for (
      const [args, message] of [
        [["--num-imgs", "1"], /numImgs \(--num-imgs\).*got 1/],
        [["--same-class-prob", "1.5"], /sameClassProb \(--same-class-prob\).*got 1\.5/],
        [["--task", "foo"], /Invalid task: got "foo"/],
        [["--epochs", "ten"], /--epochs must be a number/],
      ] as const
    ) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", script, ...args],
        cwd,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 2, args.join(" "));
      assert.match(new TextDecoder().decode(out.stderr), message);
    }
    assert.deepEqual([...Deno.readDirSync(cwd)], []);
  });
});
