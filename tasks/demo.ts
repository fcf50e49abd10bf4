/**
 * `deno task demo`: the pipeline end to end in a few minutes — data, features, one short training run per task
 * (standard, img_clas, target_clas), and a small report in reports/demo/. Uses the real CIFAR-100 when it is
 * found or can be downloaded, else the synthetic dataset, and says which.
 *
 * @module
 */
import { runMain } from "../src/cli.ts";
import { reproduceMain } from "./reproduce.ts";

await runMain(() =>
  reproduceMain(
    Deno.args,
    "demo",
    "Usage: deno task demo [--dataset cifar100|synthetic] [--cifar PATH] [--weights NAME|PATH] [--jobs N]",
  )
);
