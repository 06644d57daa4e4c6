/**
 * `series` on a generated movie (lib/synth/movie.ts: one domain wall
 * sweeping across six 192² frames, the sample drifting): the variant
 * fractions follow the truth frame by frame, every frame shares one latent
 * space (a variant's encoded angle is the same in every frame), and the
 * result is exactly the same with two workers, on a rerun (every frame
 * kept), after a kill or a Ctrl-C at a frame and a rerun, and from two
 * shards pooled with `--pool`.
 */

import { join } from "node:path";
import { encodeNpy } from "../lib/formats/npy.ts";
import { numericColumn, parseCsv, stringColumn } from "../lib/io/csv.ts";
import { sha256Hex } from "../lib/io/run.ts";
import { scoreSeries } from "../lib/series/score_series.ts";
import { wallMovieFrame, wallMovieMeta } from "../lib/synth/movie.ts";
import { assert, assertEquals } from "./assert.ts";
import { runDeno, taskArgs } from "./child.ts";
import { hookedTask, startPaused } from "./paused_child.ts";

const MOVIE = { frames: 6, width: 192, height: 192, seed: 3 };
const FLAGS = ["--epochs", "3", "--seed", "1"];

/** File → SHA-256 under `dir`, leaving out what holds the clock (run.json, report.html). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (relative: string) => {
    for await (const e of Deno.readDir(relative ? `${dir}/${relative}` : dir)) {
      const name = relative ? `${relative}/${e.name}` : e.name;
      if (e.isDirectory) await walk(name);
      else if (!/(^|\/)(run\.json|report\.html)$/.test(name)) {
        out[name] = await sha256Hex(await Deno.readFile(`${dir}/${name}`));
      }
    }
  };
  await walk("");
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function series(args: string[]) {
  const result = await runDeno([...await taskArgs("series"), ...args]);
  assertEquals(result.code, 0, result.stderr);
  return result;
}

const root = await Deno.makeTempDir({ prefix: "ferrovae-series-" });
const movie = join(root, "movie.npy");
{
  const size = MOVIE.width * MOVIE.height;
  const data = new Float32Array(MOVIE.frames * size);
  for (let t = 0; t < MOVIE.frames; t++) data.set(wallMovieFrame(MOVIE, t).image.data, t * size);
  await Deno.writeFile(movie, encodeNpy(data, [MOVIE.frames, MOVIE.height, MOVIE.width]));
}
const reference = join(root, "reference");
let referenceFiles: Record<string, string> = {};

Deno.test({
  name: "series: variant fractions follow the sweeping wall, one latent space for every frame",
  sanitizeResources: false,
  async fn() {
    const done = await series([movie, "--out", reference, ...FLAGS]);
    assert(done.stdout.includes("series: 6 frames"), done.stdout);
    referenceFiles = await snapshot(reference);
    for (const name of ["series.csv", "frames.csv", "tracks.csv", "model/weights.bin"]) {
      assert(name in referenceFiles, `${name} missing`);
    }
    for (let t = 0; t < MOVIE.frames; t++) {
      for (const f of ["atoms.csv", "polarization.csv", "latents.csv", "stack.csv"]) {
        assert(`frames/000${t}/${f}` in referenceFiles, `frames/000${t}/${f} missing`);
      }
    }
    const text = await Deno.readTextFile(join(reference, "series.csv"));
    assert(
      text.startsWith("frame,track,x,y,sublattice,px,py,angle,dx,dy,z1,z2,"),
      text.slice(0, 80),
    );
    const table = parseCsv(text);
    const meta = wallMovieMeta(MOVIE);
    const truth = Array.from({ length: MOVIE.frames }, (_, t) => wallMovieFrame(MOVIE, t).truth);
    const score = scoreSeries(
      {
        frame: numericColumn(table, "frame"),
        x: numericColumn(table, "x"),
        y: numericColumn(table, "y"),
        isB: stringColumn(table, "sublattice").map((s) => s === "B"),
        variant: numericColumn(table, "variant"),
        angle: numericColumn(table, "angle"),
      },
      truth,
      0.3 * meta.spacingPx,
    );
    assert(score.agreement > 0.9, `site agreement ${score.agreement}`);
    // Fractions frame by frame against the truth on the same sites, and one angle per variant.
    const errors = meta.pair.flatMap((v) =>
      score.found[v].map((f, t) => Math.abs(f - score.truth[v][t]))
    );
    const spread = meta.pair.map((v) => score.angleSpreadDeg[v]);
    assert(Math.max(...errors) < 0.1, `fraction errors ${errors.map((e) => e.toFixed(3))}`);
    assert(Math.max(...spread) < 10, `variant angles spread ${spread.map((e) => e.toFixed(1))}°`);
    console.log(
      `series movie: agreement ${score.agreement.toFixed(3)}, fraction error max ` +
        `${Math.max(...errors).toFixed(3)}, variant angle spread max ${
          Math.max(...spread).toFixed(1)
        }°`,
    );
  },
});

Deno.test({
  name: "series: two workers, a rerun, and two shards pooled give exactly the same files",
  sanitizeResources: false,
  async fn() {
    assert(Object.keys(referenceFiles).length > 0, "the first test made the reference");
    const two = join(root, "two");
    await series([movie, "--out", two, "--jobs", "2", ...FLAGS]);
    assertEquals(await snapshot(two), referenceFiles);
    const again = await series([movie, "--out", two, "--jobs", "2", ...FLAGS]);
    assertEquals(again.stderr.match(/\(kept\)/g)?.length, MOVIE.frames, again.stderr);
    assertEquals(await snapshot(two), referenceFiles);
    const sharded = join(root, "sharded");
    for (const shard of ["1/2", "0/2"]) {
      const out = await series([movie, "--out", sharded, "--shard", shard, ...FLAGS]);
      assert(out.stdout.includes(`shard ${shard}: 3 frames`), out.stdout);
    }
    assert(!await Deno.stat(sharded).then(() => true, () => false), "shards leave DIR alone");
    await series(["--pool", sharded, ...FLAGS]);
    assertEquals(await snapshot(sharded), referenceFiles);
  },
});

Deno.test({
  name: "series: killed or interrupted at a frame, a rerun gives exactly the uninterrupted result",
  sanitizeResources: false,
  async fn() {
    assert(Object.keys(referenceFiles).length > 0, "the first test made the reference");
    const args = [...await hookedTask("series"), movie, ...FLAGS];
    const killed = join(root, "killed");
    const paused = await startPaused([...args, "--out", killed], "frame:2");
    paused.child.kill("SIGKILL");
    await paused.end();
    assert(!await Deno.stat(killed).then(() => true, () => false), "nothing in DIR yet");
    const rerun = await series([movie, "--out", killed, ...FLAGS]);
    assertEquals(rerun.stderr.match(/\(kept\)/g)?.length, 3, rerun.stderr);
    assertEquals(await snapshot(killed), referenceFiles);

    const stopped = join(root, "stopped");
    const interrupted = await startPaused([...args, "--out", stopped], "frame:3");
    interrupted.child.kill("SIGINT");
    const end = await interrupted.end();
    assertEquals(end.status.code, 130, end.stderr);
    assert(end.stderr.includes("after 4 of 6 frames"), end.stderr);
    assert(!await Deno.stat(stopped).then(() => true, () => false), "DIR as it was (absent)");
    const resumed = await series([movie, "--out", stopped, ...FLAGS]);
    assertEquals(resumed.stderr.match(/\(kept\)/g)?.length, 4, resumed.stderr);
    assertEquals(await snapshot(stopped), referenceFiles);
    await Deno.remove(root, { recursive: true });
  },
});
