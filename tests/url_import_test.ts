/**
 * `mod.ts` must work when imported by URL, with no import map and no config:
 * serve the repository on 127.0.0.1, run a child `deno` whose only
 * permissions are importing from that server and reading its fixtures, and
 * check what it printed.
 */

import { assert, assertEquals } from "./assert.ts";
import { buildDm, buildHdf5, dmTree, leBytes } from "./format_builders.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function serveRepository(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.split("/").includes("..")) return new Response("forbidden", { status: 403 });
    try {
      const body = await Deno.readFile(ROOT + path);
      const type = path.endsWith(".ts") ? "application/typescript" : "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

/** A Velox-like EMD with one 2 x 3 frame stored (y, x, frames). */
function veloxFile(): Promise<Uint8Array> {
  return buildHdf5((file) => {
    for (const group of ["Data", "Data/Image", "Data/Image/abc"]) file.create_group(group);
    file.create_dataset({
      name: "Data/Image/abc/Data",
      data: Int16Array.from([1, 2, 3, 4, 5, 6]),
      shape: [2, 3, 1],
    });
  });
}

Deno.test("mod.ts imported by URL reads DM4 and HDF5 files with readImage", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferrovae-url-import-" });
  const server = serveRepository();
  try {
    const port = server.addr.port;
    const dm = buildDm(
      4,
      dmTree([{
        name: "data",
        dataType: 10,
        elementType: 4,
        dims: [2, 2],
        bytes: leBytes([10, 20, 30, 40], "u16"),
        scale: 0.25,
        unit: "nm",
      }], []),
    );
    await Deno.writeFile(`${dir}/fixture.dm4`, dm);
    await Deno.writeFile(`${dir}/fixture.emd`, await veloxFile());
    await Deno.writeTextFile(
      `${dir}/user_script.ts`,
      [
        `import { readImage, VERSION } from "http://127.0.0.1:${port}/mod.ts";`,
        `const dm = await readImage("${dir}/fixture.dm4");`,
        `const emd = await readImage("${dir}/fixture.emd");`,
        "console.log(JSON.stringify({ VERSION, dm: { ...dm, data: Array.from(dm.data) },",
        "  emd: { ...emd, data: Array.from(emd.data) } }));",
      ].join("\n"),
    );
    const child = await new Deno.Command("deno", {
      args: [
        "run",
        "--no-config",
        `--allow-import=127.0.0.1:${port}`,
        `--allow-read=${dir}`,
        `--reload=http://127.0.0.1:${port}`,
        `${dir}/user_script.ts`,
      ],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(child.stderr);
    assertEquals(child.code, 0, `child failed:\n${stderr}`);
    const result = JSON.parse(new TextDecoder().decode(child.stdout));
    assert(typeof result.VERSION === "string");
    assertEquals(result.dm, {
      data: [10, 20, 30, 40],
      width: 2,
      height: 2,
      pixelSize: { value: 0.25, unit: "nm" },
    });
    assertEquals(result.emd, { data: [1, 2, 3, 4, 5, 6], width: 3, height: 2 });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
