/**
 * The signaling games: `createGame` builds the one a run's configuration asks for.
 *
 * @module
 */
import type { RunConfig } from "../config.ts";
import type { Rng } from "../rng.ts";
import { GsGame } from "./gs_game.ts";
import type { Game } from "./types.ts";

export type { Game, GameBatch, GameState, StepOutput } from "./types.ts";
export { GsGame } from "./gs_game.ts";

/**
 * The game of `config.gameType` for features of size `featureDim`, its parameters drawn from `rng`
 * (PyTorch's default initialisations).
 */
export function createGame(config: RunConfig, featureDim: number, rng: Rng): Game {
  switch (config.gameType) {
    case "gs":
      return GsGame.create(config, featureDim, rng);
    default:
      throw new RangeError(`createGame(): game type "${config.gameType}" is not implemented yet.`);
  }
}
