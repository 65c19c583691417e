"""The report's explorer page (explorer.html): pick hardware, VRAM, task, strategy and a budget; see the
deployable frontier, the recommended configuration and its runners-up, every point's configuration in
its tooltip. Everything is precomputed in SQL (recommend's arms and bootstrap bands, queries/recommend/)
and embedded in the page; the page filters and picks in the browser with the rule of
queries/recommend/pick.sql, so it runs from a file with no server and no network (the Vega scripts beside it).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from kinetics_sql import recommend as rec
from kinetics_sql import sqlfiles
from kinetics_sql.errors import KineticsError
from kinetics_sql.figures import offline
from kinetics_sql.warehouse import Warehouse

COLUMNS = [
    "strategy",
    "model",
    "method",
    "budget",
    "block_size",
    "config",
    "setting",
    "accuracy",
    "lower",
    "upper",
    "latency_s",
    "throughput_s",
    "usd_latency",
    "usd_throughput",
    "k_layers",
    "layers",
    "waves",
    "batch_problems",
]
DEFAULT = {
    "hardware": "rtx-4090",
    "vram": 24.0,
    "task": "aime24",
    "strategy": "best-of-n",
    "measure": "latency_s",
    "budget": 60.0,
}


@dataclass
class Explorer:
    path: Path
    selections: int
    arms: int
    seconds: float


def _vram_options(profile_gb: float | None) -> list[float | None]:
    """The profile's VRAM, and 24 GB (a consumer card) where the profile has more."""
    if profile_gb is None:
        return [None]
    return [profile_gb] + ([24.0] if profile_gb > 24.0 else [])


def explorer_data(
    wh: Warehouse, *, hardware: list[str] | None = None, bootstrap: int = 200, seed: int = 0
) -> dict[str, Any]:
    """Every selection's deployable arms with their bootstrap bands, as JSON-ready rows."""
    names = [r[0] for r in wh.con.execute("SELECT name FROM hardware ORDER BY peak_flops DESC, name").fetchall()]
    hardware = [wh.resolve_hardware(h) for h in hardware] if hardware else names
    tasks = [
        r[0]
        for r in wh.con.execute(
            "SELECT DISTINCT task FROM problems UNION SELECT DISTINCT task FROM trial_budgets ORDER BY 1"
        ).fetchall()
    ]
    selections: list[dict[str, Any]] = []
    profiles: dict[str, Any] = {}
    for hw in hardware:
        spec = wh.hardware_spec(hw)
        profiles[hw] = {
            "price_per_hour": spec.price_per_hour,
            "price_source": spec.price_source,
            "vram_gb": spec.vram_bytes / 1e9 if spec.vram_bytes else None,
        }
        for vram in _vram_options(profiles[hw]["vram_gb"]):
            for task in tasks:
                for strategy in ("best-of-n", "long-cot"):
                    req = rec.Request(hardware=hw, tasks=(task,), strategies=(strategy,), vram_gb=vram, budget_s=1)
                    try:
                        arms, coefficients, _ = rec.arm_table(wh, req.validated(wh))
                    except KineticsError:
                        continue  # no data for this task and strategy
                    band = wh.df(
                        sqlfiles.load("recommend/band"),
                        {"bootstrap": bootstrap, "seed": seed, "strategy": None, "config": None, "setting": None},
                    )
                    rows = arms.join(band, on=["strategy", "config", "setting"], how="left").select(COLUMNS)
                    selections.append(
                        {
                            "hardware": hw,
                            "vram": vram,
                            "task": task,
                            "strategy": strategy,
                            "coefficients": coefficients.label,
                            "arms": rows.to_dicts(),
                        }
                    )
    return {"profiles": profiles, "selections": selections, "bootstrap": bootstrap, "default": DEFAULT}


def write_explorer(wh: Warehouse, out: Path, *, hardware: list[str] | None = None, bootstrap: int = 200) -> Explorer:
    """Write ``out/explorer.html`` (and the Vega bundle beside it)."""
    import time

    t0 = time.perf_counter()
    data = explorer_data(wh, hardware=hardware, bootstrap=bootstrap)
    if not data["selections"]:
        raise KineticsError("no data for the explorer: ingest trials first (`kinetics-sql ingest --bundled`)")
    out.mkdir(parents=True, exist_ok=True)
    offline.write_bundle(out)
    path = out / "explorer.html"
    page = PAGE.replace("__DATA__", offline.script_json(data)).replace("__BUNDLE__", html.escape(offline.BUNDLE_NAME))
    path.write_text(page)
    n_arms = sum(len(s["arms"]) for s in data["selections"])
    return Explorer(path, len(data["selections"]), n_arms, time.perf_counter() - t0)


def selection_frame(data: dict[str, Any], hardware: str, vram: float | None, task: str, strategy: str) -> pl.DataFrame:
    for s in data["selections"]:
        if (s["hardware"], s["vram"], s["task"], s["strategy"]) == (hardware, vram, task, strategy):
            return pl.DataFrame(s["arms"])
    raise KeyError((hardware, vram, task, strategy))


PAGE = r"""<!doctype html>
<html><head><meta charset="utf-8"><title>kinetics-sql explorer</title>
<script src="__BUNDLE__"></script>
<style>
body { font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; max-width: 1200px; margin: 1.5em auto;
       color: #222; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.4em; } label { margin-right: 1em; white-space: nowrap; } select, input { font-size: 1em; }
#controls { background: #f6f6f6; padding: 0.6em 0.8em; border-radius: 4px; }
#rec { background: #fff8e6; border-left: 4px solid #e6a100; padding: 0.5em 0.9em; margin: 0.8em 0; }
#rec table td { padding: 1px 10px 1px 0; } table.r { border-collapse: collapse; font-size: 0.9em; }
table.r td, table.r th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; } table.r th { background: #f4f4f4; }
code { background: #f2f2f2; padding: 1px 4px; } .muted { color: #666; font-size: 0.9em; }
</style></head>
<body>
<h1>kinetics-sql explorer: which deployable configuration for my hardware and budget?</h1>
<p class="muted">Every point is a deployable configuration (one model, attention method and KV budget, and N or
generation budget for every problem), its accuracy the mean over problems and its cost predicted by the cost model
(datasheet coefficients, offload depth from the VRAM plan), all precomputed in SQL by <code>kinetics-sql report</code>.
Latency regime: one problem at a time on one GPU. Throughput regime: as many problems at once as the VRAM holds (at
most 256 sequences), GPU-seconds per problem. Dollars: GPU-seconds x the profile's price per GPU-hour.</p>
<div id="controls">
<label>hardware <select id="hardware"></select></label>
<label>VRAM <select id="vram"></select></label>
<label>task <select id="task"></select></label>
<label>strategy <select id="strategy"></select></label>
<label>budget in <select id="measure">
  <option value="latency_s">seconds per problem (latency regime)</option>
  <option value="usd_latency">USD per 1,000 problems (latency regime)</option>
  <option value="usd_throughput">USD per 1,000 problems (throughput regime)</option>
</select></label>
<label>budget <input id="budget" type="number" min="0" step="any" style="width:7em"></label>
</div>
<div id="rec"></div>
<div id="chart"></div>
<h3>Runners-up (within the budget and the recommendation's 95% band)</h3>
<div id="runners"></div>
<p class="muted" id="price"></p>
<div id="errors" style="color:#b00"></div>
<script>
(function () {  // no globals: the Vega bundle defines its own
const DATA = __DATA__;
const $ = (id) => document.getElementById(id);
const MEASURE = {latency_s: "s per problem", usd_latency: "USD per 1,000 problems (latency)",
                 usd_throughput: "USD per 1,000 problems (throughput)"};
window.addEventListener("error", (e) => { $("errors").textContent += "error: " + e.message + "\n"; });
function uniq(xs) { return [...new Set(xs)]; }
function fill(sel, values, labels, keep) {
  const old = keep !== undefined ? keep : sel.value;
  sel.innerHTML = "";
  values.forEach((v, i) => { const o = document.createElement("option"); o.value = String(v);
    o.textContent = labels ? labels[i] : String(v); sel.appendChild(o); });
  if (values.map(String).includes(String(old))) sel.value = String(old);
}
function vramLabel(v) { return v === null ? "unlimited" : v + " GB"; }
function selections() { return DATA.selections.filter((s) => s.hardware === $("hardware").value); }
function refreshChoices() {
  const sels = selections();
  const vrams = uniq(sels.map((s) => s.vram));
  fill($("vram"), vrams.map(String), vrams.map(vramLabel));
  const s2 = sels.filter((s) => String(s.vram) === $("vram").value);
  fill($("task"), uniq(s2.map((s) => s.task)));
  fill($("strategy"), uniq(s2.filter((s) => s.task === $("task").value).map((s) => s.strategy)));
}
function current() {
  return DATA.selections.find((s) => s.hardware === $("hardware").value && String(s.vram) === $("vram").value
    && s.task === $("task").value && s.strategy === $("strategy").value);
}
function fmt(x, d) { return x === null || x === undefined ? "n/a" : Number(x).toLocaleString("en", {maximumFractionDigits: d}); }
function usd(x) { return x === null || x === undefined ? "n/a (no price)" : "$" + fmt(x, 2); }
function setting(a) { return a.strategy === "best-of-n" ? "N = " + a.setting : "generation budget " + fmt(a.setting, 0); }
// the rule of queries/recommend/pick.sql: the most accurate arm within the budget, ties to the cheaper
function pick(arms, m, budget) {
  const ok = arms.filter((a) => a[m] !== null && a[m] <= budget);
  ok.sort((a, b) => b.accuracy - a.accuracy || a[m] - b[m] || (a.config < b.config ? -1 : a.config > b.config ? 1 : 0)
                   || a.setting - b.setting);
  return ok.length ? ok[0] : null;
}
function frontier(arms, m) {
  const s = arms.filter((a) => a[m] !== null).slice().sort((a, b) => a[m] - b[m] || b.accuracy - a.accuracy);
  const out = []; let best = -1;
  for (const a of s) { if (a.accuracy > best + 1e-12) { out.push(a); best = a.accuracy; } }
  return out;
}
function label(a) { return a.config + " @" + a.setting; }
function render() {
  const sel = current();
  const m = $("measure").value, budget = Number($("budget").value);
  if (!sel) { $("rec").textContent = "No data for this selection."; return; }
  const arms = sel.arms.map((a) => Object.assign({}, a, {label: label(a), cost: a[m],
      offload: a.k_layers ? a.k_layers + " of " + a.layers + " layers" : "none"}));
  const chosen = pick(arms, m, budget);
  const front = frontier(arms, m);
  const cmd = "kinetics-sql recommend --hardware " + sel.hardware + (sel.vram === null ? "" : " --vram-gb " + sel.vram)
    + " --task " + sel.task + " --strategy " + sel.strategy
    + (m === "latency_s" ? " --budget-s " + budget : " --budget-dollars " + budget + " --regime "
       + (m === "usd_latency" ? "latency" : "throughput"));
  let runners = [];
  if (!chosen) {
    const cheapest = arms.slice().sort((a, b) => a[m] - b[m])[0];
    $("rec").innerHTML = "<b>Nothing fits</b> a budget of " + fmt(budget, 4) + " " + MEASURE[m] + ": the cheapest is "
      + cheapest.label + " at " + fmt(cheapest[m], 4) + ".";
  } else {
    runners = arms.filter((a) => a !== chosen && a[m] <= budget && a.accuracy >= chosen.lower - 1e-12)
      .sort((a, b) => b.accuracy - a.accuracy || a[m] - b[m]).slice(0, 5);
    const next = arms.filter((a) => a.accuracy > chosen.accuracy + 1e-12).sort((a, b) => a[m] - b[m])[0];
    $("rec").innerHTML = "<b id='rec-config'>Recommended: " + chosen.label + "</b> (" + sel.strategy + ")"
      + "<table><tr><td>model</td><td>" + chosen.model + "</td></tr>"
      + "<tr><td>attention</td><td>" + chosen.method + (chosen.budget ? ", KV budget " + chosen.budget : "")
      + (chosen.block_size ? ", block " + chosen.block_size : "") + "</td></tr>"
      + "<tr><td>setting</td><td>" + setting(chosen) + "</td></tr>"
      + "<tr><td>offload</td><td>" + chosen.offload + "</td></tr>"
      + "<tr><td>accuracy</td><td>" + fmt(chosen.accuracy, 3) + " (95% band " + fmt(chosen.lower, 3) + " to "
      + fmt(chosen.upper, 3) + ", " + DATA.bootstrap + " replicates over problems)</td></tr>"
      + "<tr><td>latency</td><td>" + fmt(chosen.latency_s, 1) + " s per problem, " + usd(chosen.usd_latency)
      + " per 1,000 problems</td></tr>"
      + "<tr><td>throughput</td><td>" + fmt(chosen.throughput_s, 1) + " GPU-s per problem at " + chosen.batch_problems
      + " problem(s) at once, " + usd(chosen.usd_throughput) + " per 1,000 problems</td></tr>"
      + "<tr><td>next step up</td><td>" + (next ? next.label + ": accuracy " + fmt(next.accuracy, 3) + " for "
      + fmt(next[m], 4) + " " + MEASURE[m] : "none") + "</td></tr>"
      + "<tr><td>engine</td><td>" + sel.coefficients + "</td></tr></table>"
      + "<p>Reproduce: <code>" + cmd + "</code></p>";
  }
  $("runners").innerHTML = runners.length ? "<table class='r'><tr><th>configuration</th><th>accuracy</th>"
    + "<th>s/problem</th><th>$/1,000 (latency)</th><th>$/1,000 (throughput)</th><th>offload</th></tr>"
    + runners.map((a) => "<tr><td>" + a.label + "</td><td>" + fmt(a.accuracy, 3) + "</td><td>" + fmt(a.latency_s, 1)
      + "</td><td>" + usd(a.usd_latency) + "</td><td>" + usd(a.usd_throughput) + "</td><td>" + a.offload + "</td></tr>").join("")
    + "</table>" : "<p class='muted'>none</p>";
  const p = DATA.profiles[sel.hardware];
  $("price").textContent = p.price_per_hour ? "Price: $" + p.price_per_hour + " per GPU-hour (" + p.price_source + ")."
    : "No price for " + sel.hardware + ": set one with kinetics-sql hardware add " + sel.hardware + " --price-per-hour USD.";
  const tip = [{field: "label", title: "configuration"}, {field: "strategy"}, {field: "model"}, {field: "method"},
    {field: "budget", title: "KV budget"}, {field: "setting", title: "N or generation budget"},
    {field: "accuracy", format: ".3f"}, {field: "lower", title: "band lower", format: ".3f"},
    {field: "upper", title: "band upper", format: ".3f"}, {field: "latency_s", title: "s per problem", format: ",.1f"},
    {field: "usd_latency", title: "$ per 1,000 (latency)", format: ",.2f"},
    {field: "usd_throughput", title: "$ per 1,000 (throughput)", format: ",.2f"}, {field: "offload"}];
  const x = {field: "cost", type: "quantitative", scale: {type: "log"}, title: MEASURE[m]};
  const y = {field: "accuracy", type: "quantitative", scale: {domain: [0, 1]}};
  const spec = {
    width: 760, height: 380,
    title: "Deployable configurations on " + sel.hardware + " (" + vramLabel(sel.vram) + "), " + sel.task + ", " + sel.strategy,
    layer: [
      {data: {values: arms}, mark: {type: "point", filled: true, opacity: 0.45, size: 40},
       encoding: {x: x, y: y, color: {field: "model", type: "nominal"}, tooltip: tip}},
      {data: {values: front}, mark: {type: "line", interpolate: "step-after", color: "#333"},
       encoding: {x: x, y: y}},
      {data: {values: [{b: budget}]}, mark: {type: "rule", strokeDash: [4, 4], color: "#b00"},
       encoding: {x: {field: "b", type: "quantitative", scale: {type: "log"}}}},
    ].concat(chosen ? [{data: {values: [chosen]}, mark: {type: "point", shape: "diamond", size: 260, filled: true,
       color: "#d62728"}, encoding: {x: x, y: y, tooltip: tip}}] : []),
  };
  vegaEmbed("#chart", spec, {actions: false, renderer: "svg"}).catch((e) => { $("errors").textContent += String(e); });
}
function init() {
  const hws = uniq(DATA.selections.map((s) => s.hardware));
  fill($("hardware"), hws, null, hws.includes(DATA.default.hardware) ? DATA.default.hardware : hws[0]);
  refreshChoices();
  if ([...$("vram").options].some((o) => o.value === String(DATA.default.vram))) $("vram").value = String(DATA.default.vram);
  refreshChoices();
  $("measure").value = DATA.default.measure;
  $("budget").value = DATA.default.budget;
  $("hardware").addEventListener("change", () => { refreshChoices(); render(); });
  $("vram").addEventListener("change", () => { refreshChoices(); render(); });
  $("task").addEventListener("change", () => { refreshChoices(); render(); });
  for (const id of ["strategy", "measure", "budget"]) $(id).addEventListener("change", render);
  $("budget").addEventListener("input", render);
  render();
}
init();
})();
</script>
</body></html>
"""
