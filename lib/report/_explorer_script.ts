/**
 * The browser side of the report's latent explorer, as text inlined into
 * `report.html` after d3. It reads the JSON in `#explorer-data` and draws
 * three linked views: encoded angle (degrees) vs z1, z1 vs z2, and the
 * real-space site map (y down, equal aspect, nm when calibrated). Names as in
 * `latents.csv`. Brushing a region in any view highlights the same sites in all three;
 * hovering a site shows its sub-image and its decoded reconstruction.
 *
 * Kept as a string because it runs in the browser, not in Deno.
 *
 * @module
 */

/** Browser JavaScript of the explorer (expects the global `d3`). */
export const EXPLORER_SCRIPT = String.raw`
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("explorer-data").textContent);
  const s = data.sites;
  const n = s.x.length;
  const root = d3.select("#explorer");
  const status = root.append("p").attr("class", "explorer-status");
  const views = root.append("div").attr("class", "explorer-views");
  const tooltip = d3.select("body").append("div").attr("id", "explorer-tooltip")
    .attr("class", "explorer-tooltip").style("display", "none");
  const hue = (a) => d3.hsl((a * 180) / Math.PI, 0.75, 0.5).formatHex();
  const colour = (i) => data.colourBy === "cluster" && s.cluster
    ? d3.schemeTableau10[s.cluster[i] % 10] : hue(s.angle[i]);
  let selected = null; // null = nothing brushed, else a Set of site indices
  const circles = [];

  function scatter(title, xs, ys, xLabel, yLabel, opts) {
    const size = opts.size;
    const m = { l: 46, r: 10, t: 24, b: 38 };
    const svg = views.append("svg").attr("width", size.w).attr("height", size.h)
      .attr("class", "explorer-view").attr("data-view", opts.id);
    svg.append("text").attr("x", m.l).attr("y", 16).attr("class", "view-title").text(title);
    const x = d3.scaleLinear().domain(opts.xDomain || d3.extent(xs)).range([m.l, size.w - m.r]);
    const y = d3.scaleLinear().domain(opts.yDomain || d3.extent(ys))
      .range(opts.flipY ? [m.t, size.h - m.b] : [size.h - m.b, m.t]);
    if (!opts.xDomain) x.nice();
    if (!opts.yDomain) y.nice();
    if (opts.image) {
      svg.append("image").attr("href", "data:image/png;base64," + opts.image.png)
        .attr("x", x(-0.5)).attr("y", y(-0.5))
        .attr("width", x(opts.image.width - 0.5) - x(-0.5))
        .attr("height", y(opts.image.height - 0.5) - y(-0.5))
        .attr("preserveAspectRatio", "none");
    }
    svg.append("g").attr("transform", "translate(0," + (size.h - m.b) + ")")
      .call(d3.axisBottom(x).ticks(5));
    svg.append("g").attr("transform", "translate(" + m.l + ",0)").call(d3.axisLeft(y).ticks(5));
    svg.append("text").attr("x", (m.l + size.w - m.r) / 2).attr("y", size.h - 4)
      .attr("text-anchor", "middle").attr("class", "axis-label").text(xLabel);
    svg.append("text").attr("transform", "rotate(-90)").attr("x", -(m.t + size.h - m.b) / 2)
      .attr("y", 12).attr("text-anchor", "middle").attr("class", "axis-label").text(yLabel);
    const brush = d3.brush().extent([[m.l, m.t], [size.w - m.r, size.h - m.b]])
      .on("end", (event) => {
        if (!event.selection) {
          if (event.sourceEvent) setSelection(null);
          return;
        }
        const [[x0, y0], [x1, y1]] = event.selection;
        const picked = new Set();
        for (let i = 0; i < n; i++) {
          const px = x(xs[i]), py = y(ys[i]);
          if (px >= x0 && px <= x1 && py >= y0 && py <= y1) picked.add(i);
        }
        for (const other of brushes) if (other.svg !== svg) other.svg.select(".brush").call(other.brush.move, null);
        setSelection(picked);
      });
    svg.append("g").attr("class", "brush").call(brush);
    const dots = svg.append("g").attr("class", "dots").selectAll("circle")
      .data(d3.range(n)).join("circle")
      .attr("cx", (i) => x(xs[i])).attr("cy", (i) => y(ys[i])).attr("r", opts.r || 2.5)
      .attr("fill", colour).attr("data-site", (i) => i)
      .on("mouseenter", (event, i) => show(event, i))
      .on("mousemove", (event) => move(event))
      .on("mouseleave", hide);
    circles.push(dots);
    brushes.push({ svg, brush });
  }
  const brushes = [];

  function setSelection(picked) {
    selected = picked;
    for (const dots of circles) {
      dots.classed("selected", (i) => selected !== null && selected.has(i))
        .classed("faded", (i) => selected !== null && !selected.has(i));
    }
    status.text(selected === null
      ? n + " sites. Drag in any view to select; hover a site for its sub-image."
      : selected.size + " of " + n + " sites selected.");
  }

  function tile(sprite, i) {
    const t = data.sprites.tile, cols = data.sprites.cols, k = data.sprites.zoom;
    const c = i % cols, r = Math.floor(i / cols);
    return '<div class="tile" style="width:' + t * k + "px;height:" + t * k +
      "px;background-image:url(data:image/png;base64," + sprite + ");background-size:" +
      cols * t * k + "px auto;background-position:-" + c * t * k + "px -" + r * t * k +
      'px"></div>';
  }

  function show(event, i) {
    const deg = ((s.angle[i] * 180) / Math.PI).toFixed(1);
    let html = "<b>site " + i + "</b> (x " + s.x[i].toFixed(1) + ", y " + s.y[i].toFixed(1) +
      ")<br>angle " + deg + "°, z1 " + s.z1[i].toFixed(2) +
      (s.z2 ? ", z2 " + s.z2[i].toFixed(2) : "");
    if (data.sprites) {
      html += '<div class="tiles"><figure>' + tile(data.sprites.original, i) +
        "<figcaption>sub-image</figcaption></figure><figure>" + tile(data.sprites.recon, i) +
        "<figcaption>decoded</figcaption></figure></div>";
    }
    tooltip.html(html).style("display", "block");
    move(event);
  }
  function move(event) {
    // Keep the tooltip on screen: flip it to the cursor's left (or above) near the edges.
    const box = tooltip.node().getBoundingClientRect();
    const right = window.scrollX + document.documentElement.clientWidth;
    const bottom = window.scrollY + window.innerHeight;
    const left = event.pageX + 14 + box.width > right ? event.pageX - 14 - box.width : event.pageX + 14;
    const top = event.pageY + 14 + box.height > bottom ? event.pageY - 14 - box.height : event.pageY + 14;
    tooltip.style("left", Math.max(window.scrollX, left) + "px")
      .style("top", Math.max(window.scrollY, top) + "px");
  }
  function hide() {
    tooltip.style("display", "none");
  }

  const size = { w: 360, h: 320 };
  const deg = Array.from(s.angle, (a) => (a * 180) / Math.PI);
  scatter("Encoded angle vs z1", deg, s.z1, "angle (°)", "z1",
    { id: "angle-l1", size, xDomain: [0, 360] });
  if (s.z2) scatter("z1 vs z2", s.z1, s.z2, "z1", "z2", { id: "l1-l2", size });
  const w = data.image ? data.image.width : d3.max(s.x) + 1;
  const h = data.image ? data.image.height : d3.max(s.y) + 1;
  // Equal aspect: one image pixel is square on screen (margins: 56 across, 62 down).
  let plotW = 364, plotH = (plotW * h) / w;
  if (plotH > 520) [plotW, plotH] = [(520 * w) / h, 520];
  const mapW = Math.round(plotW) + 56, mapH = Math.round(plotH) + 62;
  scatter("Real-space sites (colour = " + (data.colourBy === "cluster" ? "GMM class" : "angle") + ")",
    s.x, s.y, "x (px)", "y (px)",
    { id: "map", size: { w: mapW, h: mapH }, xDomain: [-0.5, w - 0.5], yDomain: [-0.5, h - 0.5],
      flipY: true, image: data.image, r: 2 });
  setSelection(null);
})();
`;
