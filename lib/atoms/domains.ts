/**
 * Domains, not noise: the significant B sites grouped by the direction of
 * their polarisation (peaks of the circular histogram of the angle, each
 * site to its nearest peak), tested for spatial coherence — how often
 * neighbouring sites share a class, against the same labels shuffled over
 * the same sites (a permutation test, seeded). Classes are called variants
 * only when that agreement is well above chance; domains are the connected
 * groups of neighbouring sites of one variant, and a wall site has a
 * neighbour in another domain.
 *
 * @module
 */

import { KDBush } from "../deps.ts";
import { Random } from "../random.ts";
import { findAnglePeaks } from "../rvae/angles.ts";
import { angleDelta, median } from "../math.ts";

/** Options for {@linkcode findDomains}. */
export interface DomainOptions {
  /** Seed of the permutation test (default 0). */
  seed?: number;
  /** Permutations (default 200). */
  permutations?: number;
  /** Neighbours lie within this many nearest-neighbour distances of each other (default 1.5). */
  reach?: number;
  /** Coherent when p < this (default 0.01) ... */
  alpha?: number;
  /**
   * ... and the agreement beyond chance, κ = (observed − chance)/(1 − chance),
   * reaches this (default 0.4, "moderate" agreement; stripe domains a few
   * cells wide give 0.7 and more, per-cell noise about 0).
   */
  minKappa?: number;
  /** Smallest fraction of the significant sites a class must hold (default 0.05). */
  minFraction?: number;
}

/** The spatial-coherence test. */
export interface CoherenceTest {
  /** Neighbour pairs of significant sites compared. */
  pairs: number;
  /** Fraction of those pairs in the same class. */
  observed: number;
  /** Mean of that fraction over the shuffles (chance). */
  chance: number;
  /** Standard deviation over the shuffles. */
  chanceSd: number;
  /** (observed − chance) / chanceSd. */
  z: number;
  /** One-sided permutation p-value, (1 + shuffles at or above observed) / (1 + shuffles). */
  p: number;
  /** (observed − chance) / (1 − chance): agreement beyond chance, 0 for noise, 1 for perfect domains. */
  kappa: number;
}

/** Domains of the polarisation field. */
export interface Domains {
  /** Direction class of each site (-1: not significant or in no class). */
  cls: Int32Array;
  /** Variant of each site: its class when the classes are coherent, else -1. */
  variant: Int32Array;
  /** Connected domain of each variant site (-1 for none). */
  domain: Int32Array;
  /** 1 for a variant site with a neighbour in another domain. */
  wall: Uint8Array;
  /** Direction of each class, radians in [0, 2π). */
  classAngles: number[];
  /** Sites in each class. */
  classCounts: number[];
  /** The test (NaN fields with fewer than two classes or no neighbour pairs). */
  coherence: CoherenceTest;
  /** Whether the classes are reported as variants. */
  coherent: boolean;
  /** Number of domains. */
  domains: number;
  /** Wall sites. */
  wallSites: number;
  /** One line on what was found. */
  message: string;
}

/**
 * Group significant sites into direction classes and test them.
 *
 * @example
 * ```ts
 * import { findDomains } from "./domains.ts";
 * const x: number[] = [], y: number[] = [], angle: number[] = [], significant: number[] = [];
 * for (let i = 0; i < 20; i++) {
 *   for (let j = 0; j < 20; j++) {
 *     x.push(i), y.push(j), angle.push(i < 10 ? 0.8 : 2.4), significant.push(1);
 *   }
 * }
 * const d = findDomains({ x, y, angle, significant });
 * if (!d.coherent || d.classAngles.length !== 2) throw new Error("two coherent domains");
 * ```
 */
export function findDomains(
  sites: {
    x: ArrayLike<number>;
    y: ArrayLike<number>;
    angle: ArrayLike<number>;
    significant: ArrayLike<number>;
  },
  options: DomainOptions = {},
): Domains {
  const n = sites.x.length;
  const cls = new Int32Array(n).fill(-1);
  const sig: number[] = [];
  for (let j = 0; j < n; j++) {
    if (sites.significant[j] && Number.isFinite(sites.angle[j])) sig.push(j);
  }
  const minFraction = options.minFraction ?? 0.05;
  const peaks = sig.length >= 3
    ? findAnglePeaks(sig.map((j) => sites.angle[j])).peaks.filter((p) => p.fraction >= minFraction)
    : [];
  const classAngles = peaks.map((p) => p.angle);
  for (const j of sig) {
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < classAngles.length; c++) {
      const d = Math.abs(angleDelta(sites.angle[j], classAngles[c]));
      if (d < bestD) [bestD, best] = [d, c];
    }
    cls[j] = best;
  }
  const classCounts = classAngles.map((_, c) => sig.filter((j) => cls[j] === c).length);
  // Lattice neighbours among all sites with a vector; pairs of significant ones are compared.
  const all: number[] = [];
  for (let j = 0; j < n; j++) if (Number.isFinite(sites.angle[j])) all.push(j);
  const isSig = new Uint8Array(n);
  for (const j of sig) isSig[j] = 1;
  const neighbours = neighbourPairs(sites, all, options.reach ?? 1.5)
    .filter(([a, b]) => isSig[a] && isSig[b]);
  const coherence = coherenceTest(cls, neighbours, sig, options);
  const single = classAngles.length === 1 && sig.length >= 3;
  const coherent = single ||
    (classAngles.length >= 2 && coherence.p < (options.alpha ?? 0.01) &&
      coherence.kappa >= (options.minKappa ?? 0.4));
  const variant = coherent ? Int32Array.from(cls) : new Int32Array(n).fill(-1);
  const { domain, count } = connectedDomains(variant, neighbours, n);
  const wall = new Uint8Array(n);
  for (const [a, b] of neighbours) {
    if (domain[a] >= 0 && domain[b] >= 0 && domain[a] !== domain[b]) wall[a] = wall[b] = 1;
  }
  const wallSites = wall.reduce((s, v) => s + v, 0);
  const deg = classAngles.map((a) => `${Math.round((a * 180) / Math.PI)}°`).join(", ");
  const message = sig.length < 3
    ? `${sig.length} significant sites: no domains`
    : classAngles.length === 0
    ? `no direction class holds ${Math.round(100 * minFraction)} % of the significant sites`
    : single
    ? `one direction class (${deg}): a single domain`
    : coherent
    ? `${classAngles.length} variants (${deg}); neighbours share a variant ${
      pct(coherence.observed)
    } of the time against ${pct(coherence.chance)} by chance (z ${coherence.z.toFixed(1)}, p ${
      formatP(coherence.p)
    }); ${count} domains, ${wallSites} wall sites`
    : `${classAngles.length} direction classes (${deg}) are not spatially coherent: neighbours share a class ${
      pct(coherence.observed)
    } of the time against ${pct(coherence.chance)} for shuffled labels (z ${
      coherence.z.toFixed(1)
    }, p ${formatP(coherence.p)})`;
  return {
    cls,
    variant,
    domain,
    wall,
    classAngles,
    classCounts,
    coherence,
    coherent,
    domains: count,
    wallSites,
    message,
  };
}

/** Pairs (a < b) of sites among `subset` closer than `reach` median nearest-neighbour distances. */
export function neighbourPairs(
  sites: { x: ArrayLike<number>; y: ArrayLike<number> },
  subset: number[],
  reach: number,
): [number, number][] {
  if (subset.length < 2) return [];
  const index = new KDBush(subset.length);
  for (const j of subset) index.add(sites.x[j], sites.y[j]);
  index.finish();
  const radius = searchRadius(sites, subset);
  const nearest = subset.map((j, m) => {
    let best = Infinity;
    for (const q of index.within(sites.x[j], sites.y[j], radius)) {
      if (q === m) continue;
      best = Math.min(
        best,
        Math.hypot(sites.x[subset[q]] - sites.x[j], sites.y[subset[q]] - sites.y[j]),
      );
    }
    return best;
  });
  const nn = median(nearest.filter(Number.isFinite));
  const pairs: [number, number][] = [];
  if (!(nn > 0)) return pairs;
  for (let m = 0; m < subset.length; m++) {
    const j = subset[m];
    for (const q of index.within(sites.x[j], sites.y[j], reach * nn)) {
      if (q > m) pairs.push([j, subset[q]]);
    }
  }
  return pairs;
}

/** A search radius that holds a few neighbours: 3 × the mean spacing of the subset. */
function searchRadius(sites: { x: ArrayLike<number>; y: ArrayLike<number> }, subset: number[]) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const j of subset) {
    x0 = Math.min(x0, sites.x[j]);
    x1 = Math.max(x1, sites.x[j]);
    y0 = Math.min(y0, sites.y[j]);
    y1 = Math.max(y1, sites.y[j]);
  }
  return 3 * Math.sqrt(Math.max((x1 - x0) * (y1 - y0), 1) / subset.length);
}

function coherenceTest(
  cls: Int32Array,
  pairs: [number, number][],
  sig: number[],
  options: DomainOptions,
): CoherenceTest {
  const nan: CoherenceTest = {
    pairs: pairs.length,
    observed: NaN,
    chance: NaN,
    chanceSd: NaN,
    z: NaN,
    p: NaN,
    kappa: NaN,
  };
  if (pairs.length === 0 || sig.length < 3) return nan;
  const same = (labels: Int32Array) => {
    let s = 0;
    for (const [a, b] of pairs) if (labels[a] === labels[b]) s++;
    return s / pairs.length;
  };
  const observed = same(cls);
  const random = new Random(options.seed ?? 0);
  const shuffled = Int32Array.from(cls);
  const values = sig.map((j) => cls[j]);
  const permutations = options.permutations ?? 200;
  let sum = 0;
  let sq = 0;
  let above = 0;
  for (let t = 0; t < permutations; t++) {
    random.shuffle(values);
    for (let m = 0; m < sig.length; m++) shuffled[sig[m]] = values[m];
    const v = same(shuffled);
    sum += v;
    sq += v * v;
    if (v >= observed) above++;
  }
  const chance = sum / permutations;
  const chanceSd = Math.sqrt(Math.max(sq / permutations - chance * chance, 0));
  return {
    pairs: pairs.length,
    observed,
    chance,
    chanceSd,
    z: chanceSd > 0 ? (observed - chance) / chanceSd : NaN,
    p: (1 + above) / (1 + permutations),
    kappa: chance < 1 ? (observed - chance) / (1 - chance) : NaN,
  };
}

function connectedDomains(
  variant: Int32Array,
  pairs: [number, number][],
  n: number,
): { domain: Int32Array; count: number } {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (const [a, b] of pairs) {
    if (variant[a] >= 0 && variant[a] === variant[b]) parent[find(a)] = find(b);
  }
  const domain = new Int32Array(n).fill(-1);
  const ids = new Map<number, number>();
  for (let j = 0; j < n; j++) {
    if (variant[j] < 0) continue;
    const root = find(j);
    if (!ids.has(root)) ids.set(root, ids.size);
    domain[j] = ids.get(root)!;
  }
  return { domain, count: ids.size };
}

function pct(v: number): string {
  return `${Math.round(100 * v)} %`;
}

function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(0) : p.toFixed(3);
}
