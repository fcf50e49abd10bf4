/**
 * The signaling games: `createGame` builds the one a run's configuration asks for.
 *
 * @module
 */
import type { RunConfig } from "../config.ts";
import type { Rng } from "../rng.ts";
import { GsGame } from "./gs_game.ts";
import { RfGame } from "./reinforce_game.ts";
import { RfSingleGame } from "./reinforce_single.ts";
import type { Game } from "./types.ts";

export type { Game, GameBatch, GameState, StepOutput } from "./types.ts";
export { GsGame } from "./gs_game.ts";
export { RfGame } from "./reinforce_game.ts";
export { RfSingleGame } from "./reinforce_single.ts";

/**
 * The game of `config.gameType` for features of size `featureDim`, its parameters drawn from `rng`
 * (PyTorch's default initialisations).
 */
export function createGame(config: RunConfig, featureDim: number, rng: Rng): Game {
  switch (config.gameType) {
    case "gs":
      return GsGame.create(config, featureDim, rng);
    case "rf":
      return RfGame.create(config, featureDim, rng);
    case "rf_single":
      return RfSingleGame.create(config, featureDim, rng);
    default:
      throw new RangeError(
        `createGame(): unknown game type "${config.gameType}"; expected gs, rf or rf_single.`,
      );
  }
}
