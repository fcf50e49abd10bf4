/**
 * The folder name of a run: the task, `same_class_prob` and seed, then every field that differs from the
 * paper's configuration. Stable (fields in a fixed order) and filesystem-safe.
 *
 * @example
 * ```ts
 * import { resolveConfig } from "../config.ts";
 * import { runName } from "./run_name.ts";
 * if (runName(resolveConfig({ sameClassProb: 0.5 })) !== "standard_p0.5_s7") throw new Error();
 * if (runName(resolveConfig({ gameType: "rf", numImgs: 5 })) !== "standard_p0_s7_rf_k5") throw new Error();
 * ```
 * @module
 */
import { DEFAULT_CONFIG, type RunConfig } from "../config.ts";

/** Short name of each field that can appear in a run name; string values appear alone (`rf`, `lstm`). */
const SHORT: Partial<Record<keyof RunConfig, string>> = {
  gameType: "",
  icLossWeight: "w",
  numImgs: "k",
  epochs: "ep",
  batchSize: "bs",
  vocabSize: "v",
  maxLen: "len",
  embedSize: "emb",
  hiddenSize: "hid",
  receiverProjSize: "proj",
  cell: "",
  temperature: "tau",
  temperatureDecay: "decay",
  minTemperature: "taumin",
  earlyStopAcc: "stop",
  lr: "lr",
  lengthCost: "lc",
  senderEntropyCoeff: "sent",
  receiverEntropyCoeff: "rent",
  numClasses: "cls",
  // evalNoise is left out: it adds an evaluation at the end, it does not change the run.
};

const safe = (s: string) => s.replace(/[^A-Za-z0-9.-]/g, "-");

/** The run-folder name of a configuration, e.g. `img_clas_p0.5_s122` or `standard_p0_s7_rf_lr0.0005`. */
export function runName(config: RunConfig): string {
  const parts = [config.task, `p${safe(String(config.sameClassProb))}`, `s${safe(String(config.seed))}`];
  for (const [field, short] of Object.entries(SHORT) as [keyof RunConfig, string][]) {
    const value = config[field];
    if (value === DEFAULT_CONFIG[field]) continue;
    parts.push(`${short}${safe(String(value))}`);
  }
  return parts.join("_");
}
