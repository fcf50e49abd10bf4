import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ConfigError } from "../src/config.ts";
import { configField, expandGrid, GridError, gridFromArgs, PAPER_GRID } from "../src/sweep/grid.ts";
import { planRuns } from "../src/sweep/plan.ts";
import { runSweep, type SweepEvent } from "../src/sweep/runner.ts";
import { lockHolderAlive, readLock } from "../src/sweep/lock.ts";
import { exists } from "../src/io/atomic.ts";
import { parseShard, shardOf } from "../src/sweep/shard.ts";
import { SweepStatus } from "../src/sweep/status.ts";
import { sweep } from "../src/sweep/sweep.ts";
import { configFlags, trainArgs } from "../src/sweep/train_args.ts";
import { runName } from "../src/train/run_name.ts";
import { makeReport } from "../src/report/report.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const mod = (path: string) => pathToFileURL(join(ROOT, path)).href;

/**
 * A stand-in for tasks/train.ts with the same folder contract: config.json, one train and one test line per
 * epoch (deterministic in task, p, seed and epoch), state.json after each epoch, a noise line, result.json.
 * It resumes from state.json (truncating metrics.jsonl like the real trainer), sleeps FAKE_EPOCH_MS per epoch,
 * fails for FAKE_FAIL_TASK, and records a second trainer on the same folder in CONCURRENT.
 */
const FAKE_TRAIN = `
import { resolveConfig } from "${mod("src/config.ts")}";
import { appendJsonLine, writeJsonAtomic, exists } from "${mod("src/io/atomic.ts")}";
import { readRunState, writeRunState, truncateJsonl } from "${mod("src/train/state.ts")}";
const args = Deno.args;
const get = (f) => { const k = args.indexOf("--" + f); return k < 0 ? undefined : args[k + 1]; };
const camel = (k) => k.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
const overrides = {};
for (let k = 0; k < args.length; k++) {
  if (!args[k].startsWith("--")) continue;
  const f = args[k].slice(2);
  if (["run-dir", "features", "dataset", "limit-train", "limit-test", "backend", "cifar", "weights"].includes(f)) { k++; continue; }
  if (f === "eval-noise") { overrides.evalNoise = true; continue; }
  const v = args[++k];
  overrides[camel(f)] = isNaN(Number(v)) ? v : Number(v);
}
const config = resolveConfig(overrides);
const dir = get("run-dir");
if (Deno.env.get("FAKE_FAIL_TASK") === config.task) { console.error("fake failure"); Deno.exit(3); }
await Deno.mkdir(dir, { recursive: true });
const active = dir + "/active.pid";
try {
  const other = Number(await Deno.readTextFile(active));
  const stat = await Deno.readTextFile("/proc/" + other + "/stat").catch(() => "");
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  if (other && stat && state !== "Z" && state !== "X") await Deno.writeTextFile(dir + "/CONCURRENT", other + " " + state + " " + Deno.pid);
} catch {}
await Deno.writeTextFile(active, String(Deno.pid));
await Deno.writeTextFile(dir + "/starts.log", Deno.pid + "\\n", { append: true });
await writeJsonAtomic(dir + "/config.json", config);
const state = await readRunState(dir + "/state.json");
const done = state?.epochsDone ?? 0;
await truncateJsonl(dir + "/metrics.jsonl", state?.metricsLines ?? 0);
const taskK = ["standard", "img_clas", "target_clas"].indexOf(config.task);
const acc = (e) => Math.min(0.99, 0.5 + 0.05 * e + 0.01 * taskK - 0.02 * config.sameClassProb + (config.seed % 7) / 1000);
let lines = state?.metricsLines ?? 0;
for (let e = done + 1; e <= config.epochs; e++) {
  await new Promise((r) => setTimeout(r, Number(Deno.env.get("FAKE_EPOCH_MS") ?? 20)));
  const extra = (mode) => taskK > 0 ? { img_class_acc: mode === "train" ? 0.3 + 0.01 * e : 0.2 + 0.01 * e } : {};
  for (const mode of ["train", "test"]) {
    await appendJsonLine(dir + "/metrics.jsonl", { epoch: e, mode, loss: 1 / e, acc: mode === "test" ? acc(e) : acc(e) + 0.01, ...extra(mode), length: 3, temperature: 1, seconds: 0.1 });
    lines++;
  }
  await writeRunState(dir + "/state.json", { epochsDone: e, temperature: 1, bestEpoch: e, bestAcc: acc(e), trainingDone: e === config.epochs, stoppedEarly: false, metricsLines: lines, seconds: 0 });
}
const noise = 0.6 + (config.seed % 5) / 20 + 0.02 * taskK;
await appendJsonLine(dir + "/metrics.jsonl", { epoch: config.epochs, mode: "noise", loss: 1, acc: noise, length: 3, temperature: 1, seconds: 0.1 });
await writeJsonAtomic(dir + "/result.json", { status: "complete", bestEpoch: config.epochs, bestAcc: acc(config.epochs), noiseAcc: noise, epochsRun: config.epochs, stoppedEarly: false, seconds: 1 });
await Deno.remove(active);
console.log("fake done");
`;

async function fakeTrainer(dir: string): Promise<string> {
  const path = join(dir, "fake_train.js");
  await Deno.writeTextFile(path, FAKE_TRAIN);
  return path;
}

const SMALL_GRID = () =>
  gridFromArgs(["task=standard,img_clas", "seed=1,2"], ["sameClassProb=0.5", "epochs=3"]);

Deno.test("expandGrid() of the paper's grid is 27 validated configurations with unique run names", () => {
  const configs = expandGrid(PAPER_GRID);
  assert.equal(configs.length, 27);
  assert.ok(configs.every((c) => c.numImgs === 2 && c.evalNoise === true));
  assert.deepEqual([...new Set(configs.map((c) => c.task))], ["standard", "img_clas", "target_clas"]);
  assert.deepEqual([...new Set(configs.map((c) => c.seed))], [7, 122, 809]);
  const runs = planRuns(configs, "out");
  assert.equal(new Set(runs.map((r) => r.name)).size, 27);
  assert.ok(runs.some((r) => r.name === "img_clas_p0.5_s122" && r.dir === join("out", "img_clas_p0.5_s122")));
});

Deno.test("gridFromArgs() replaces axes, fixes fields, accepts camel, kebab and snake case", () => {
  const spec = gridFromArgs(["task=standard,img_clas", "same-class-prob=0,1", "hidden_size=16,32"], [
    "seed=3",
  ]);
  assert.deepEqual(spec.axes, {
    task: ["standard", "img_clas"],
    sameClassProb: [0, 1],
    hiddenSize: [16, 32],
  });
  assert.deepEqual(spec.fixed, { numImgs: 2, evalNoise: true, seed: 3 });
  const configs = expandGrid(spec);
  assert.equal(configs.length, 8);
  assert.deepEqual(configs[0], {
    ...configs[0],
    task: "standard",
    sameClassProb: 0,
    hiddenSize: 16,
    seed: 3,
  });
  assert.equal(expandGrid(gridFromArgs([], ["evalNoise=false", "sameClassProb=0.5"])).length, 9);
});

Deno.test("gridFromArgs() rejects an unknown key, listing the known ones", () => {
  assert.throws(() => gridFromArgs(["colour=red"], []), (e: Error) => {
    assert.ok(e instanceof GridError);
    assert.match(e.message, /Unknown grid key "colour"/);
    assert.match(e.message, /sameClassProb/);
    assert.match(e.message, /hiddenSize/);
    return true;
  });
  assert.throws(() => configField("same-class"), GridError);
  assert.throws(() => gridFromArgs(["seed=abc"], []), /Bad value for seed: "abc" is not a number/);
  assert.throws(() => gridFromArgs(["seed"], []), /must look like key=value/);
  assert.throws(() => gridFromArgs([], ["seed=1,2"]), /must give one value/);
  assert.throws(() => expandGrid(gridFromArgs(["task=nope"], [])), ConfigError);
});

Deno.test("shardOf() splits the sorted run list into disjoint shards whose union is the grid", () => {
  const names = planRuns(expandGrid(PAPER_GRID), "out").map((r) => r.name);
  for (const n of [1, 2, 3, 4, 27, 30]) {
    const parts = Array.from(
      { length: n },
      (_, i) => shardOf([...names].reverse(), { index: i + 1, count: n }),
    );
    const all = parts.flat();
    assert.equal(all.length, names.length, `n = ${n}`);
    assert.deepEqual([...all].sort(), [...names].sort());
    assert.ok(parts.every((p) => p.length >= Math.floor(27 / n) && p.length <= Math.ceil(27 / n)));
  }
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  for (const bad of ["0/2", "3/2", "1", "a/b", "1/0"]) assert.throws(() => parseShard(bad), GridError);
});

Deno.test("configFlags() passes the fields that differ from the defaults as train's kebab-case flags", () => {
  const [c] = expandGrid(
    gridFromArgs([], ["task=img_clas", "sameClassProb=0.5", "seed=122", "hiddenSize=16"]),
  );
  assert.deepEqual(configFlags(c), [
    "--task",
    "img_clas",
    "--same-class-prob",
    "0.5",
    "--seed",
    "122",
    "--hidden-size",
    "16",
    "--eval-noise",
  ]);
  const args = trainArgs(c, "out/x", { features: "f", "limit-train": "10", augment: "true", dataset: "" });
  assert.deepEqual(args.slice(-7), [
    "--features",
    "f",
    "--limit-train",
    "10",
    "--augment",
    "--run-dir",
    "out/x",
  ]);
});

Deno.test("SweepStatus counts runs and estimates the time left", () => {
  const s = new SweepStatus(5, 2);
  s.skip();
  s.start();
  s.start();
  assert.match(s.line(), /^sweep: 1\/5 done, 2 running, 2 left, elapsed 0s, eta \?$/);
  s.end(true, 10);
  s.end(false);
  assert.equal(s.left, 2);
  assert.equal(s.eta(), (2 * 10) / 2);
  assert.match(s.line(), /2\/5 done, 0 running, 2 left, 1 failed/);
});

Deno.test("runSweep() runs every run once, skips finished ones and reports a failure without stopping", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "sweep_test_" });
  try {
    const script = await fakeTrainer(tmp);
    const runs = planRuns(
      expandGrid(
        gridFromArgs(["task=standard,img_clas,target_clas", "seed=1,2"], ["epochs=2", "sameClassProb=0"]),
      ),
      join(tmp, "s"),
    );
    const events: SweepEvent[] = [];
    Deno.env.set("FAKE_FAIL_TASK", "target_clas");
    const first = await runSweep({ runs, jobs: 3, trainScript: script, onEvent: (e) => events.push(e) });
    Deno.env.delete("FAKE_FAIL_TASK");
    assert.equal(first.completed.length, 4);
    assert.deepEqual(first.failed.map((f) => f.name).sort(), [
      "target_clas_p0_s1_ep2",
      "target_clas_p0_s2_ep2",
    ]);
    assert.ok(first.failed.every((f) => f.code === 3 && f.logTail.includes("fake failure")));
    assert.equal(events.filter((e) => e.type === "start").length, 6);
    const second = await runSweep({ runs, jobs: 2, trainScript: script });
    assert.deepEqual(second.skipped.sort(), first.completed.sort());
    assert.deepEqual(second.completed.sort(), ["target_clas_p0_s1_ep2", "target_clas_p0_s2_ep2"]);
    assert.equal(second.failed.length, 0);
    for (const r of runs) {
      const starts = (await Deno.readTextFile(join(r.dir, "starts.log"))).trim().split("\n");
      assert.equal(starts.length, 1, `${r.name} trained once`);
      assert.match(await Deno.readTextFile(join(r.dir, "train.log")), /fake done/);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

async function metricsKeys(dir: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(dir, "metrics.jsonl"));
  return text.trim().split("\n").map((l) => JSON.parse(l)).map((m) => `${m.mode}:${m.epoch}`);
}

const KILL_GRID = () =>
  gridFromArgs(["task=standard,img_clas,target_clas", "seed=1,2,3"], ["sameClassProb=0.5", "epochs=4"]);

/** A sweep driver in its own process, so that the test can SIGKILL it. */
async function driver(dir: string, script: string, out: string, jobs: number): Promise<string> {
  const path = join(dir, "driver.ts");
  await Deno.writeTextFile(
    path,
    `import { sweep } from "${mod("src/sweep/sweep.ts")}";
import { gridFromArgs } from "${mod("src/sweep/grid.ts")}";
const r = await sweep({ grid: gridFromArgs(["task=standard,img_clas,target_clas", "seed=1,2,3"], ["sameClassProb=0.5", "epochs=4"]),
  out: ${JSON.stringify(out)}, jobs: ${jobs}, data: { features: "unused" }, trainScript: ${
      JSON.stringify(script)
    }, quiet: true });
if (r.failed.length) Deno.exit(1);`,
  );
  return path;
}

Deno.test("a sweep killed with SIGKILL and started again completes every run exactly once, same report", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "sweep_kill_" });
  try {
    const script = await fakeTrainer(tmp);
    const env = { FAKE_EPOCH_MS: "400" };
    const run = (path: string) =>
      new Deno.Command(Deno.execPath(), { args: ["run", "-A", path], env, stdout: "null", stderr: "piped" });
    // Uninterrupted reference.
    const ref = await run(await driver(tmp, script, join(tmp, "ref"), 3)).output();
    assert.ok(ref.success, new TextDecoder().decode(ref.stderr));
    const out = join(tmp, "killed");
    const drive = await driver(tmp, script, out, 3);
    const planned = planRuns(expandGrid(KILL_GRID()), out);
    // Round 1: SIGKILL the sweep only; its trainers keep running and the next sweep must wait for them.
    // Round 2: SIGKILL the sweep and its trainers (a crashed machine); the next sweep must resume them.
    const liveLocks = async () => {
      const out = [];
      for (const r of planned) {
        const lock = await readLock(r.dir);
        if (lock && lockHolderAlive(lock) && !(await exists(join(r.dir, "result.json")))) out.push(lock);
      }
      return out;
    };
    const waitFor = async (cond: () => Promise<boolean>) => {
      for (let t = 0; t < 600 && !(await cond()); t++) await new Promise((r) => setTimeout(r, 50));
    };
    let trainersKilled = 0;
    for (const killTrainers of [false, true]) {
      const child = run(drive).spawn();
      // Kill once trainers are mid-run (a metrics line written, no result yet).
      await waitFor(async () => {
        for (const lock of await liveLocks()) {
          if (await exists(join(lock.runDir, "metrics.jsonl"))) return true;
        }
        return false;
      });
      child.kill("SIGKILL");
      await child.status;
      if (!killTrainers) continue;
      for (const lock of await liveLocks()) {
        Deno.kill(lock.pid, "SIGKILL");
        trainersKilled++;
      }
    }
    assert.ok(trainersKilled > 0, "round 2 interrupted some trainers");
    const again = await run(drive).output();
    assert.ok(again.success, new TextDecoder().decode(again.stderr));
    let starts = 0;
    for (const r of planned) {
      const keys = await metricsKeys(r.dir);
      const want = [
        "train:1",
        "test:1",
        "train:2",
        "test:2",
        "train:3",
        "test:3",
        "train:4",
        "test:4",
        "noise:4",
      ];
      assert.deepEqual(keys, want, r.name);
      assert.ok(!(await exists(join(r.dir, "CONCURRENT"))), `${r.name}: two trainers at once`);
      starts += (await Deno.readTextFile(join(r.dir, "starts.log"))).trim().split("\n").length;
    }
    assert.ok(starts >= planned.length + trainersKilled, "interrupted runs were started again");
    const a = await makeReport({
      dirs: [join(tmp, "ref")],
      name: "a",
      outRoot: tmp,
      topsimGames: 0,
      verbose: false,
    });
    const b = await makeReport({
      dirs: [out],
      name: "a",
      outRoot: join(tmp, "b"),
      topsimGames: 0,
      verbose: false,
    });
    for (const f of a.files.filter((f) => f.endsWith(".csv") || f.endsWith(".svg"))) {
      assert.equal(await Deno.readTextFile(join(b.dir, f)), await Deno.readTextFile(join(a.dir, f)), f);
    }
    const md = async (dir: string, src: string) =>
      (await Deno.readTextFile(join(dir, "report.md"))).replaceAll(src, "SRC");
    assert.equal(await md(b.dir, out), await md(a.dir, join(tmp, "ref")));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("two shards of a sweep report the same tables as the whole sweep", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "sweep_shard_" });
  try {
    const trainScript = await fakeTrainer(tmp);
    const grid = SMALL_GRID();
    const common = { grid, jobs: 2, data: { features: "unused" }, trainScript, quiet: true };
    const whole = await sweep({ ...common, out: join(tmp, "whole") });
    assert.equal(whole.completed.length, 4);
    const s1 = await sweep({ ...common, out: join(tmp, "s1"), shard: { index: 1, count: 2 } });
    const s2 = await sweep({ ...common, out: join(tmp, "s2"), shard: { index: 2, count: 2 } });
    assert.equal(s1.runs.length + s2.runs.length, 4);
    assert.deepEqual(
      [...s1.runs, ...s2.runs].map((r) => r.name).sort(),
      whole.runs.map((r) => r.name).sort(),
    );
    assert.equal(whole.runs[0].name, runName(whole.runs[0].config));
    const a = await makeReport({
      dirs: [join(tmp, "whole")],
      name: "w",
      outRoot: tmp,
      topsimGames: 0,
      verbose: false,
    });
    const b = await makeReport({
      dirs: [join(tmp, "s1"), join(tmp, "s2")],
      name: "s",
      outRoot: tmp,
      topsimGames: 0,
      verbose: false,
    });
    for (const f of a.files.filter((f) => f.endsWith(".csv") || f.endsWith(".svg"))) {
      assert.equal(await Deno.readTextFile(join(b.dir, f)), await Deno.readTextFile(join(a.dir, f)), f);
    }
    const strip = (notes: string[]) =>
      notes.map((n) => n.replaceAll(tmp, "").replace(/\/(whole|s1|s2)\//g, "/"));
    assert.deepEqual(strip(b.notes), strip(a.notes));
    const sweepFile = JSON.parse(await Deno.readTextFile(join(tmp, "s1", "sweep.json")));
    assert.equal(sweepFile.runs.length, 4);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

const RANDOM_WEIGHTS = join(ROOT, "tests", "fixtures", "resnet20_random_legacy.pth");

Deno.test({
  name: "a sweep of real training runs killed with SIGKILL resumes to the uninterrupted sweep's report",
  ignore: !(await exists(RANDOM_WEIGHTS)),
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "sweep_kill_real_" });
    try {
      // Tiny features: 300 train, 200 test and 100 noise synthetic images through a random ResNet-20.
      const { ensureFeatures } = await import("../src/features/cache.ts");
      const { makeSyntheticDataset } = await import("../src/data/synthetic.ts");
      const features = await ensureFeatures({
        dataset: "synthetic",
        images: makeSyntheticDataset({ seed: 1, trainPerClass: 3, testPerClass: 2 }),
        weights: RANDOM_WEIGHTS,
        noiseCount: 100,
        cacheDir: join(tmp, "features"),
        workers: 1,
        progress: false,
      });
      const grid = gridFromArgs(["task=standard,img_clas,target_clas", "seed=1,2"], [
        "sameClassProb=0.5",
        "epochs=12",
        "batchSize=8",
        "earlyStopAcc=1.0001",
        "hiddenSize=16",
        "embedSize=8",
        "vocabSize=10",
        "maxLen=3",
        "receiverProjSize=16",
      ]);
      const drive = join(tmp, "drive.ts");
      await Deno.writeTextFile(
        drive,
        `import { sweep } from "${mod("src/sweep/sweep.ts")}";
const [out] = Deno.args;
const r = await sweep({ grid: ${JSON.stringify(grid)}, out, jobs: 2, quiet: true,
  data: { features: ${JSON.stringify(features.dir)}, "limit-test": "64" } });
if (r.failed.length) { console.error(JSON.stringify(r.failed)); Deno.exit(1); }`,
      );
      const run = (out: string) =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", drive, out],
          stdout: "null",
          stderr: "piped",
        });
      const ref = await run(join(tmp, "ref")).output();
      assert.ok(ref.success, new TextDecoder().decode(ref.stderr));

      const out = join(tmp, "killed");
      const planned = planRuns(expandGrid(grid), out);
      const midRun = async () => {
        const locks = [];
        for (const r of planned) {
          const lock = await readLock(r.dir);
          if (
            lock && lockHolderAlive(lock) && (await exists(join(r.dir, "state.json"))) &&
            !(await exists(join(r.dir, "result.json")))
          ) {
            locks.push(lock);
          }
        }
        return locks;
      };
      let trainersKilled = 0;
      for (const killTrainers of [false, true]) {
        const child = run(out).spawn();
        for (let t = 0; t < 1200 && (await midRun()).length === 0; t++) {
          await new Promise((r) => setTimeout(r, 25));
        }
        child.kill("SIGKILL"); // throws if the sweep already ended: then the runs are too short for this test
        await child.status;
        if (!killTrainers) continue;
        for (const lock of await midRun()) {
          Deno.kill(lock.pid, "SIGKILL");
          trainersKilled++;
        }
      }
      const again = await run(out).output();
      assert.ok(again.success, new TextDecoder().decode(again.stderr));
      assert.ok(trainersKilled > 0, "some trainers were killed mid-run");
      let resumed = 0;
      for (const r of planned) {
        const keys = await metricsKeys(r.dir);
        const epochs = keys.filter((k) => k.startsWith("test:")).length;
        const want = Array.from({ length: epochs }, (_, k) => [`train:${k + 1}`, `test:${k + 1}`]).flat();
        assert.deepEqual(keys.slice(0, -1), want, `${r.name}: one line per epoch and mode`);
        assert.match(keys[keys.length - 1], /^noise:/);
        if ((await Deno.readTextFile(join(r.dir, "train.log"))).includes(" resumes ")) resumed++;
      }
      assert.ok(resumed > 0, "some runs resumed from their checkpoint");
      const a = await makeReport({
        dirs: [join(tmp, "ref")],
        name: "a",
        outRoot: join(tmp, "ra"),
        topsimGames: 200,
        verbose: false,
      });
      const b = await makeReport({
        dirs: [out],
        name: "a",
        outRoot: join(tmp, "rb"),
        topsimGames: 200,
        verbose: false,
      });
      for (const f of a.files.filter((f) => f.endsWith(".csv") || f.endsWith(".svg"))) {
        assert.equal(await Deno.readTextFile(join(b.dir, f)), await Deno.readTextFile(join(a.dir, f)), f);
      }
      const md = async (dir: string, src: string) =>
        (await Deno.readTextFile(join(dir, "report.md"))).replaceAll(src, "SRC");
      assert.equal(await md(b.dir, out), await md(a.dir, join(tmp, "ref")));
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
