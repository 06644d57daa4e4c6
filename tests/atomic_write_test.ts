import { UserError } from "../lib/errors.ts";
import { decodeNpy, encodeNpy } from "../lib/formats/npy.ts";
import { encodePng } from "../lib/formats/png.ts";
import { readFileChecked, writeFileAtomic } from "../lib/io/atomic_write.ts";
import { formatCsv, numericColumn, parseCsv, stringColumn } from "../lib/io/csv.ts";
import { readImage } from "../lib/io/read_image.ts";
import { decodePngBytes } from "../lib/deps.ts";
import { assert, assertEquals, assertRejects } from "./assert.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ferrovae-atomic-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function namesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("writeFileAtomic: NPY, PNG, CSV and JSON round-trip exactly, no temp files left", async () => {
  await withTempDir(async (dir) => {
    const values = Float32Array.from([0.5, -1.25, 3e-8, 1e9, 0, 7]);
    await writeFileAtomic(`${dir}/a.npy`, encodeNpy(values, [2, 3]));
    const npy = decodeNpy(await readFileChecked(`${dir}/a.npy`));
    assertEquals([npy.shape, npy.dtype, Array.from(npy.data)], [[2, 3], "<f4", Array.from(values)]);
    const image = await readImage(`${dir}/a.npy`);
    assertEquals(Array.from(image.data), Array.from(values));

    const pngs = {
      "gray8.png": { data: Uint8Array.from([0, 9, 200, 255]), width: 2, height: 2, channels: 1 },
      "gray16.png": {
        data: Uint16Array.from([0, 300, 65535, 7]),
        width: 2,
        height: 2,
        channels: 1,
      },
      "rgb.png": { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 2, height: 1, channels: 3 },
      "rgba.png": {
        data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
        width: 2,
        height: 1,
        channels: 4,
      },
    } as const;
    for (const [name, pixels] of Object.entries(pngs)) {
      await writeFileAtomic(`${dir}/${name}`, encodePng(pixels));
      const back = decodePngBytes(await readFileChecked(`${dir}/${name}`));
      assertEquals([back.width, back.height, back.channels], [
        pixels.width,
        pixels.height,
        pixels.channels,
      ]);
      assertEquals(Array.from(back.data), Array.from(pixels.data), name);
    }

    const csv = formatCsv({ x: [1.5, -2, 1e-3], sublattice: ["A", "B", 'A,"quoted"'] });
    await writeFileAtomic(`${dir}/atoms.csv`, csv);
    const table = parseCsv(new TextDecoder().decode(await readFileChecked(`${dir}/atoms.csv`)));
    assertEquals(Array.from(numericColumn(table, "x")), [1.5, -2, 1e-3]);
    assertEquals(stringColumn(table, "sublattice"), ["A", "B", 'A,"quoted"']);

    const meta = { seed: 7, size: [256, 256], unit: "µm", nested: { ok: true } };
    await writeFileAtomic(`${dir}/meta.json`, JSON.stringify(meta, null, 2));
    const text = new TextDecoder().decode(await readFileChecked(`${dir}/meta.json`));
    assertEquals(JSON.parse(text), meta);

    // Overwriting replaces the whole file.
    await writeFileAtomic(`${dir}/meta.json`, "{}");
    assertEquals(await Deno.readTextFile(`${dir}/meta.json`), "{}");
    assertEquals(namesIn(dir), [
      "a.npy",
      "atoms.csv",
      "gray16.png",
      "gray8.png",
      "meta.json",
      "rgb.png",
      "rgba.png",
    ]);
  });
});

Deno.test("writeFileAtomic: a failing write leaves nothing under the final name", async () => {
  await withTempDir(async (dir) => {
    // The folder does not exist: the temporary file cannot even be created.
    const missing = `${dir}/no-such-folder/out.npy`;
    const err = await assertRejects(() => writeFileAtomic(missing, "data"), UserError);
    assertEquals((err as UserError).subject, missing);
    assertEquals(namesIn(dir), []);

    // The final name is a folder: the temporary file is written, the rename fails,
    // and the temporary file is removed again.
    await Deno.mkdir(`${dir}/taken`);
    await Deno.writeTextFile(`${dir}/taken/keep.txt`, "keep");
    await assertRejects(() => writeFileAtomic(`${dir}/taken`, "new data"), UserError);
    assertEquals(namesIn(dir), ["taken"]);
    assertEquals(namesIn(`${dir}/taken`), ["keep.txt"]);
  });
});

Deno.test("writeFileAtomic: a write outside the granted folders is one line naming the path", async () => {
  const path = "./ferrovae-must-not-exist.csv";
  const state = (await Deno.permissions.query({ name: "write", path })).state;
  if (state === "granted") return; // run with broader permissions: nothing to check here
  const err = await assertRejects(() => writeFileAtomic(path, "x\n"), UserError, "permission");
  assert((err as UserError).line().startsWith(`error: ${path}: `));
});
