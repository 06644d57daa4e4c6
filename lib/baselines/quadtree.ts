/**
 * A 2-D quadtree over a point set, with each cell's point count and centre
 * of mass, for Barnes-Hut summation of t-SNE's repulsive forces. Stored in
 * flat typed arrays (one interleaved record per node, for cache locality) and
 * rebuilt each iteration; leaves hold one point, or several when points
 * coincide (below a depth limit).
 *
 * @module
 */

/** Deepest subdivision: past it, points share a leaf (coincident or nearly so). */
const MAX_DEPTH = 40;

/** Values per node record in {@link Quadtree.node}. */
export const NODE_STRIDE = 4;

/**
 * A quadtree built by {@link buildQuadtree}. Node c's record is
 * `node[4c .. 4c+4)` = centre of mass x, y, point count, squared cell width;
 * its children are `child[c] .. child[c]+3`, or `child[c] = -1` for a leaf.
 */
export interface Quadtree {
  /** Number of nodes in use. */
  size: number;
  /** Interleaved node records (see above). */
  node: Float64Array;
  /** First child of each node, or -1 for a leaf. */
  child: Int32Array;
  /** The leaf each point lies in. */
  leafOf: Int32Array;
  /** Points in depth-first (spatially coherent) order, for traversal locality. */
  order: Int32Array;
  /** Cell centre x and y and half width per node (3 values each), used while building. */
  cell: Float64Array;
  /** Scratch: first point of a leaf during the build, -1 when empty. */
  first: Int32Array;
  /** Scratch: next point in the same leaf during the build, or -1. */
  next: Int32Array;
}

/** An empty quadtree with room for the nodes of `n` points; reuse it across iterations. */
export function allocateQuadtree(n: number): Quadtree {
  const cap = 4 * n + 64;
  return {
    size: 0,
    node: new Float64Array(NODE_STRIDE * cap),
    child: new Int32Array(cap),
    leafOf: new Int32Array(n),
    order: new Int32Array(n),
    cell: new Float64Array(3 * cap),
    first: new Int32Array(cap),
    next: new Int32Array(n),
  };
}

/** Rebuild `tree` over the `n` points of `y` (interleaved x, y); returns `tree`. */
export function buildQuadtree(tree: Quadtree, y: Float64Array, n: number): Quadtree {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const px = y[2 * i], py = y[2 * i + 1];
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
  }
  const half = Math.max(maxX - minX, maxY - minY, 1e-12) * (0.5 + 1e-6);
  tree.size = 0;
  newNode(tree, (minX + maxX) / 2, (minY + maxY) / 2, half);
  for (let i = 0; i < n; i++) insert(tree, y, i);
  const node = tree.node;
  for (let c = 0; c < tree.size; c++) {
    const m = node[NODE_STRIDE * c + 2];
    if (m > 0) {
      node[NODE_STRIDE * c] /= m;
      node[NODE_STRIDE * c + 1] /= m;
    }
  }
  collectOrder(tree);
  return tree;
}

function newNode(tree: Quadtree, cx: number, cy: number, half: number): number {
  if (tree.size + 4 > tree.child.length) grow(tree);
  const c = tree.size++;
  tree.child[c] = -1;
  tree.first[c] = -1;
  const o = NODE_STRIDE * c;
  tree.node[o] = tree.node[o + 1] = tree.node[o + 2] = 0;
  tree.node[o + 3] = 4 * half * half;
  tree.cell[3 * c] = cx;
  tree.cell[3 * c + 1] = cy;
  tree.cell[3 * c + 2] = half;
  return c;
}

function grow(tree: Quadtree): void {
  const widen = <T extends Float64Array | Int32Array>(a: T): T => {
    const b = new (a.constructor as { new (n: number): T })(a.length * 2);
    b.set(a);
    return b;
  };
  tree.node = widen(tree.node);
  tree.child = widen(tree.child);
  tree.cell = widen(tree.cell);
  tree.first = widen(tree.first);
}

function addMass(tree: Quadtree, c: number, px: number, py: number): void {
  const o = NODE_STRIDE * c;
  tree.node[o] += px;
  tree.node[o + 1] += py;
  tree.node[o + 2]++;
}

function quadrant(tree: Quadtree, c: number, px: number, py: number): number {
  return tree.child[c] + (px >= tree.cell[3 * c] ? 1 : 0) + (py >= tree.cell[3 * c + 1] ? 2 : 0);
}

function insert(tree: Quadtree, y: Float64Array, i: number): void {
  const px = y[2 * i], py = y[2 * i + 1];
  let c = 0;
  for (let depth = 0;; depth++) {
    addMass(tree, c, px, py);
    if (tree.child[c] < 0) {
      const occupant = tree.first[c];
      if (occupant < 0 || depth >= MAX_DEPTH) {
        tree.next[i] = occupant;
        tree.first[c] = i;
        tree.leafOf[i] = c;
        return;
      }
      // Split the leaf and push its point(s) one level down.
      const h = tree.cell[3 * c + 2] / 2, cx = tree.cell[3 * c], cy = tree.cell[3 * c + 1];
      const base = tree.size;
      for (let q = 0; q < 4; q++) newNode(tree, cx + (q & 1 ? h : -h), cy + (q & 2 ? h : -h), h);
      tree.child[c] = base;
      tree.first[c] = -1;
      for (let p = occupant; p >= 0;) {
        const after = tree.next[p];
        const d = quadrant(tree, c, y[2 * p], y[2 * p + 1]);
        addMass(tree, d, y[2 * p], y[2 * p + 1]);
        tree.next[p] = tree.first[d];
        tree.first[d] = p;
        tree.leafOf[p] = d;
        p = after;
      }
    }
    c = quadrant(tree, c, px, py);
  }
}

/** Fill `tree.order` with the points leaf by leaf in depth-first order. */
function collectOrder(tree: Quadtree): void {
  const stack: number[] = [0];
  let t = 0;
  while (stack.length > 0) {
    const c = stack.pop()!;
    const kids = tree.child[c];
    if (kids < 0) {
      for (let p = tree.first[c]; p >= 0; p = tree.next[p]) tree.order[t++] = p;
    } else {
      for (let q = 3; q >= 0; q--) stack.push(kids + q);
    }
  }
}
