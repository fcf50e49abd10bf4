/**
 * Is a report complete? Every cell of Table 1, Table 2, the noise table and the language table filled,
 * and the correlation computed. `deno task reproduce` checks this and fails otherwise.
 *
 * @module
 */
import { cellAt, type Tables } from "./tables.ts";

/** Descriptions of the empty cells; empty when the report is complete. */
export function missingCells(t: Tables): string[] {
  const out: string[] = [];
  if (t.rows.length === 0) out.push("no runs");
  for (const { row, task } of t.rows) {
    for (const p of t.probs) {
      const c = cellAt(t, row, p);
      const where = `${row} at p = ${p}`;
      if (!c) {
        out.push(`${where}: no run`);
        continue;
      }
      if (!c.acc) out.push(`${where}: acc`);
      if (task !== "standard" && !c.imgClassAcc) out.push(`${where}: img_class_acc (val)`);
      if (task !== "standard" && !c.trainImgClassAcc) out.push(`${where}: img acc (train)`);
      if (!c.noiseAcc) out.push(`${where}: noise acc`);
      if (!c.meanLength || !c.vocabUsed || !c.entropy) out.push(`${where}: language statistics`);
      // A topsim that was computed but is undefined (identical messages) is a value, not a gap.
      if (p === 0.5 && !c.topsim && !c.topsimUndefined) out.push(`${where}: topsim`);
      if (p === 0.5 && !c.topsimEdit && !c.topsimEditUndefined) out.push(`${where}: topsim (edit)`);
    }
    if (!t.probs.includes(0.5)) out.push(`${row}: no runs at p = 0.5 for Table 2`);
  }
  // Computed over constant values, a correlation is undefined (NaN): shown as such, not a gap.
  if (!t.correlation) out.push("correlation of acc and noise acc (fewer than 3 runs with a noise accuracy)");
  return out;
}
