/**
 * Series speed and memory: `deno task series` (as a child, with the task's
 * permissions) on generated 1024² frames of a sweeping-wall movie
 * (lib/synth/movie.ts), one `.npy` file per frame. Frames per second of the
 * frame stage (atoms, windows, registration; `framesSeconds` in run.json)
 * with 1 and 2 workers on the same 8 frames, and the run's peak resident
 * set size (sampled after every frame, `peakRssMb`) at increasing frame
 * counts: it must stay flat, since frames are read and analysed one at a
 * time and the pooled training takes at most `--max-train-windows` windows.
 * The pooling trains one epoch on at most 2000 windows (its speed is the
 * rVAE bench's).
 *
 * @module
 */

import { join } from "node:path";
import { encodeNpy } from "../../lib/formats/npy.ts";
import { numericColumn, parseCsv, stringColumn } from "../../lib/io/csv.ts";
import { scoreSeries } from "../../lib/series/score_series.ts";
import { wallMovieFrame, wallMovieMeta } from "../../lib/synth/movie.ts";

const SIDE = 1024;
const COUNTS = [6, 12, 24];
const SPEED_FRAMES = 8;

async function taskArgs(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  return (config.tasks.series as string).trim().split(/\s+/).slice(1);
}

async function series(args: string[], out: string): Promise<Record<string, number>> {
  const result = await new Deno.Command("deno", {
    args: [
      ...await taskArgs(),
      ...args,
      "--out",
      out,
      "--epochs",
      "1",
      "--max-train-windows",
      "2000",
    ],
    cwd: new URL("../..", import.meta.url).pathname,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (result.code !== 0) throw new Error(new TextDecoder().decode(result.stderr));
  return JSON.parse(await Deno.readTextFile(join(out, "run.json"))).extra;
}

/** Run the series benchmark. */
export async function run(): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "ferrovae-bench-series-" });
  try {
    const frames = Math.max(...COUNTS);
    const movie = { frames, width: SIDE, height: SIDE, seed: 7 };
    const files: string[] = [];
    const begun = performance.now();
    for (let t = 0; t < frames; t++) {
      const path = join(root, `frame_${String(t).padStart(4, "0")}.npy`);
      await Deno.writeFile(path, encodeNpy(wallMovieFrame(movie, t).image.data, [SIDE, SIDE]));
      files.push(path);
    }
    console.log(
      `generated ${frames} frames of ${SIDE}² in ${
        ((performance.now() - begun) / 1000).toFixed(0)
      } s`,
    );
    const rows: string[] = [];
    for (const jobs of [1, 2]) {
      const extra = await series(
        [...files.slice(0, SPEED_FRAMES), "--jobs", String(jobs)],
        join(root, `speed_${jobs}`),
      );
      rows.push(
        `| ${SPEED_FRAMES} | ${jobs} | ${(SPEED_FRAMES / extra.framesSeconds).toFixed(3)} | ` +
          `${extra.framesSeconds} | ${extra.poolSeconds} | ${extra.peakRssMb} |`,
      );
      await Deno.remove(join(root, `speed_${jobs}`), { recursive: true });
      await Deno.remove(join(root, `.speed_${jobs}.ferrovae-series`), { recursive: true });
    }
    for (const count of COUNTS) {
      const extra = await series(files.slice(0, count), join(root, `rss_${count}`));
      rows.push(
        `| ${count} | 1 | ${(count / extra.framesSeconds).toFixed(3)} | ${extra.framesSeconds} | ` +
          `${extra.poolSeconds} | ${extra.peakRssMb} |`,
      );
      await Deno.remove(join(root, `rss_${count}`), { recursive: true });
      await Deno.remove(join(root, `.rss_${count}.ferrovae-series`), { recursive: true });
    }
    console.log(
      "| frames | workers | frames/s (frame stage) | frame stage s | pooling s | peak RSS MB |",
    );
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const row of rows) console.log(row);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/**
 * The "done when": a generated 20-frame movie (384², seed 11) in
 * which one domain wall sweeps across the field; `series` with its
 * defaults (20 epochs). Per frame: the true fraction of each variant (all
 * polar B sites of the frame, and the encoded sites alone), the found one
 * with its binomial error, and each variant's mean encoded angle; the
 * largest spread of a variant's angle over the frames (one latent space:
 * within 10°). The output is kept in /tmp/ferrovae-series-movie.
 */
export async function runMovie(): Promise<void> {
  const movie = { frames: 20, width: 384, height: 384, seed: 11 };
  const root = "/tmp/ferrovae-series-movie";
  await Deno.remove(root, { recursive: true }).catch(() => {});
  await Deno.mkdir(root, { recursive: true });
  const size = movie.width * movie.height;
  const data = new Float32Array(movie.frames * size);
  const frames = Array.from({ length: movie.frames }, (_, t) => wallMovieFrame(movie, t));
  frames.forEach((f, t) => data.set(f.image.data, t * size));
  const path = join(root, "movie.npy");
  await Deno.writeFile(path, encodeNpy(data, [movie.frames, movie.height, movie.width]));
  const out = join(root, "out");
  const begun = performance.now();
  const result = await new Deno.Command("deno", {
    args: [...await taskArgs(), path, "--out", out],
    cwd: new URL("../..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (result.code !== 0) throw new Error(new TextDecoder().decode(result.stderr));
  const seconds = (performance.now() - begun) / 1000;
  console.log(new TextDecoder().decode(result.stdout).trim());
  const table = parseCsv(await Deno.readTextFile(join(out, "series.csv")));
  const meta = wallMovieMeta(movie);
  const score = scoreSeries(
    {
      frame: numericColumn(table, "frame"),
      x: numericColumn(table, "x"),
      y: numericColumn(table, "y"),
      isB: stringColumn(table, "sublattice").map((s) => s === "B"),
      variant: numericColumn(table, "variant"),
      angle: numericColumn(table, "angle"),
    },
    frames.map((f) => f.truth),
    0.3 * meta.spacingPx,
  );
  const frameTable = parseCsv(await Deno.readTextFile(join(out, "frames.csv")));
  const sites = numericColumn(frameTable, "sites");
  const [a, b] = meta.pair;
  const deg = (r: number) => (Number.isFinite(r) ? ((r * 180) / Math.PI).toFixed(1) : "-");
  console.log(
    `series-movie: ${movie.frames} frames ${movie.width}², ${seconds.toFixed(0)} s; site ` +
      `agreement ${score.agreement.toFixed(3)} over ${score.matched} encoded B sites; variant ` +
      `angle spread over frames: variant ${a} ${score.angleSpreadDeg[a].toFixed(1)}°, variant ` +
      `${b} ${score.angleSpreadDeg[b].toFixed(1)}°`,
  );
  console.log(
    `| frame | wall | true v${a} (all sites) | true v${a} (encoded sites) | found v${a} ± se | ` +
      `error | angle v${a} | angle v${b} |`,
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  let worst = 0;
  let worstAll = 0;
  for (let t = 0; t < movie.frames; t++) {
    const f = score.found[a][t];
    const se = Math.sqrt((f * (1 - f)) / sites[t]);
    worst = Math.max(worst, Math.abs(f - score.truth[a][t]));
    worstAll = Math.max(worstAll, Math.abs(f - frames[t].fractions[a]));
    console.log(
      `| ${t} | ${frames[t].wall.toFixed(3)} | ${frames[t].fractions[a].toFixed(3)} | ` +
        `${score.truth[a][t].toFixed(3)} | ${f.toFixed(3)} ± ${se.toFixed(3)} | ` +
        `${(f - score.truth[a][t]).toFixed(3)} | ${deg(score.meanAngle[a][t])} | ` +
        `${deg(score.meanAngle[b][t])} |`,
    );
  }
  console.log(
    `series-movie: largest fraction error ${worst.toFixed(3)} on the encoded sites, ` +
      `${
        worstAll.toFixed(3)
      } against all the frame's polar sites (the border sites have no window)`,
  );
}
