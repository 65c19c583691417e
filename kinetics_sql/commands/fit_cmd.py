"""`fit` and `coefficients`: hardware coefficients fitted to measured latency (Kinetics++ rFLOPs)."""

from __future__ import annotations

import click
import polars as pl

from kinetics_sql import fit as fitlib
from kinetics_sql.commands.context import State, pass_state
from kinetics_sql.commands.output import emit, output_options, select_columns
from kinetics_sql.commands.params import choice_option


@click.command("fit")
@click.option("--engine", required=True, help="Engine as recorded: llama.cpp, torch, vllm (case-insensitive).")
@click.option(
    "--device",
    required=True,
    help="Case-insensitive substring of the recorded device name ('H100' finds 'NVIDIA H100 80GB HBM3').",
)
@choice_option(
    "--form",
    tuple(fitlib.FORMS),
    "plain",
    "plain: T = a*compute + b*hbm_bytes + c*link_bytes + t0; split: prefill and decode terms, "
    "a link coefficient each, per-step overheads; attn: split with KV-cache bytes at their own efficiency, "
    "a cost per sequence and step, and datasheet floors on the FLOP and byte coefficients.",
)
@click.option("--holdout", type=float, default=0.25, show_default=True, help="Fraction of configurations held out.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the hold-out split.")
@click.option(
    "--holdout-min-gen",
    type=int,
    default=None,
    help="Hold out every run generating at least this many tokens instead (train on short runs, test on long).",
)
@choice_option(
    "--weighting",
    fitlib.WEIGHTINGS,
    "relative",
    "relative: least squares on T-relative residuals (what MAPE measures); absolute: plain residuals.",
)
@click.option("--hardware", default=None, help="Hardware profile the device is (default: guessed from its name).")
@click.option("--model", "models", multiple=True, help="Only these models (repeatable; default all catalog models).")
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="Only measurements from ingested files (measurements.source) whose name contains this "
    "(repeatable), e.g. llamacpp-h100 to fit one sweep apart from another of the same engine.",
)
@click.option(
    "--train-max-gen",
    type=int,
    default=None,
    help="Validate by extrapolation: train on measurements of at most N generated tokens, report R^2 and "
    "MAPE (and the worst error) on the longer ones instead of on held-out configurations.",
)
@click.option(
    "--eval-min-gen",
    type=int,
    default=None,
    help="With --train-max-gen: evaluate on measurements of at least this many generated tokens "
    "(default: all longer than --train-max-gen).",
)
@click.option("--points", is_flag=True, help="Print every measurement with its prediction instead of the summary.")
@click.option(
    "--predict-source",
    "predict_sources",
    multiple=True,
    help="After fitting, print the fit's predictions (no refit) for the measurements of ingested files whose name "
    "contains this (repeatable), e.g. --source vllm-h200 --predict-source vllm-moe-h200: a dense fit on MoE runs.",
)
@click.option("--no-store", is_flag=True, help="Do not store the fit in the coefficients table.")
@output_options
@pass_state
def fit_command(
    state: State,
    engine: str,
    device: str,
    form: str,
    holdout: float,
    seed: int,
    holdout_min_gen: int | None,
    weighting: str,
    hardware: str | None,
    models: tuple[str, ...],
    sources: tuple[str, ...],
    train_max_gen: int | None,
    eval_min_gen: int | None,
    points: bool,
    predict_sources: tuple[str, ...],
    no_store: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Fit latency = a*compute + b*hbm_bytes + c*link_bytes + t0 (non-negative least squares) to one
    engine's measurements on one device; store a, b, c, t0, i_gpu = b/a, i_link = c/a with R^2 and
    MAPE on the training points and on held-out configurations in the coefficients table."""
    wh = state.wh
    res = fitlib.fit(
        wh,
        engine,
        device,
        form=form,
        holdout=holdout,
        seed=seed,
        weighting=weighting,
        hardware=hardware,
        models=models,
        sources=sources,
        holdout_min_gen=holdout_min_gen,
        train_max_gen=train_max_gen,
        eval_min_gen=eval_min_gen,
    )
    coefficients = sum(len(cols) for cols in fitlib.FORMS[res.form].values())
    if res.n_train < 2 * coefficients:
        click.secho(
            f"warning: {res.n_train} training points for the {res.form} form's {coefficients} coefficients: the fit "
            "can pass through every point and say little about others; measure more configurations (at least "
            f"{2 * coefficients} points)",
            fg="yellow",
            err=True,
        )
    if not no_store:
        twin = fitlib.stored_twin(wh, res)
        if twin is not None:
            click.echo(f"the same fit is stored already as {twin}: not stored again", err=True)
        else:
            fitlib.store(wh, res)
    if predict_sources:
        emit(fitlib.predict_measurements(wh, res, predict_sources), fmt, output)
        return
    if points:
        cols = [
            "source",
            "run_id",
            "seq",
            "model",
            "n_gpu_layers",
            "layers_offloaded",
            "offload_mode",
            "batch",
            "prompt_tokens",
            "gen_tokens",
            "tensor_parallel_size",
            "holdout",
            "total_s",
            "predicted_s",
            "rel_error",
            *fitlib.FEATURES,
        ]
        emit(res.points.select(cols), fmt, output)
        return
    row = res.summary()
    if fmt == "table" and not output:
        r2h = "n/a" if res.r2_holdout is None else f"{res.r2_holdout:.4f}"
        mh = "n/a" if res.mape_holdout is None else f"{100 * res.mape_holdout:.2f}%"
        held = (
            f"{res.n_holdout} held-out points of {res.n_configs} configurations"
            if res.train_max_gen is None
            else f"trained on <= {res.train_max_gen} generated tokens, {res.n_holdout} longer points evaluated"
        )
        worst = "" if res.max_ape_holdout is None else f" (worst {100 * res.max_ape_holdout:.1f}%)"
        click.echo(
            f"{res.engine} on {res.device} ({res.form} form, {res.n_train} training / {held}): "
            f"held-out R^2 {r2h}, MAPE {mh}{worst}; "
            f"i_gpu = {_num(res.i_gpu)}, i_link = {_num(res.i_link)}"
            + (
                f" (b, c at the datasheet peak: {_num(row['i_gpu_at_peak'])}, {_num(row['i_link_at_peak'])})"
                if row["i_gpu_at_peak"] is not None
                else ""
            ),
            err=True,
        )
    if fmt == "table":  # one fit: a field per line, each with its unit (--columns picks the fields)
        ctx = click.get_current_context()
        wanted = select_columns(pl.DataFrame([row]), list(ctx.meta.get("output_columns", []))).columns
        ctx.meta["output_columns"] = []
        units = [UNITS.get(k, "") for k in wanted]
        emit(pl.DataFrame({"field": wanted, "value": [_cell(row[k]) for k in wanted], "unit": units}), fmt, output)
        return
    emit(pl.DataFrame([row]), fmt, output)


# The units of the fit's fields (T = a*compute + b*hbm_bytes + c*link_bytes + t0, in seconds).
UNITS = {
    "r2": "1", "mape": "fraction", "r2_holdout": "1", "mape_holdout": "fraction", "max_ape_holdout": "fraction",
    "train_max_gen": "tokens", "a": "s per FLOP", "b": "s per HBM byte", "c": "s per host-link byte", "t0": "s",
    "i_gpu": "FLOPs per HBM byte (b/a)", "i_link": "FLOPs per link byte (c/a)",
    "i_gpu_at_peak": "FLOPs per HBM byte at datasheet peak", "i_link_at_peak": "FLOPs per link byte at datasheet peak",
    "eff_flops_per_s": "FLOP/s", "eff_hbm_bytes_per_s": "bytes/s", "eff_link_bytes_per_s": "bytes/s",
    "eff_kv_bytes_per_s": "bytes/s", "seq_step_s": "s per sequence and step", "prefill_a": "s per prompt FLOP",
    "prefill_c": "s per prompt link byte", "step_s": "s per decode step", "layer_step_s": "s per layer and step",
    "moe_layer_step_s": "s per MoE layer and step",
    "offload_layer_step_s": "s per offloaded layer and step", "offload_attn_a": "s per host attention FLOP",
    "prefill_offload_attn_a": "s per host prompt attention FLOP",
}  # fmt: skip


def _cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return "" if v is None else str(v)


def _num(v: float | None) -> str:
    return "n/a (a = 0)" if v is None else f"{v:.4g}"


@click.command("coefficients")
@click.option("--engine", default=None, help="Only this engine.")
@output_options
@pass_state
def coefficients(state: State, engine: str | None, fmt: str, output: str | None) -> None:
    """List stored fits (newest first): engine, device, form, a, b, c, t0, i_gpu, i_link, R^2 and MAPE."""
    df = state.reader.named("fit/list", {"engine": engine})
    emit(df, fmt, output)


COMMANDS = [fit_command, coefficients]
