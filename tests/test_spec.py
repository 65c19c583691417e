"""One selection and one pricing, validated once: FrontierSpec and the recommend Request are built from them."""

from __future__ import annotations

import pytest

from kinetics_sql import frontier as fr
from kinetics_sql import recommend as rec
from kinetics_sql.errors import KineticsError
from kinetics_sql.spec import Pricing, Selection
from kinetics_sql.warehouse import Warehouse


def test_spec_of_selection_and_pricing_round_trips() -> None:
    selection = Selection(task="math500", strategy="majority", models=("m",), sources=("aime24_%",), max_n=8)
    pricing = Pricing(hardware="h100-sxm", gpus=2, engine="vllm", vram_gb=24.0, reserve_gb=1.5)
    spec = fr.FrontierSpec.of(selection, pricing, cost="latency", by="model")
    assert (spec.selection, spec.pricing, spec.cost, spec.by) == (selection, pricing, "latency", "model")
    options = {**selection.fields(), **pricing.fields(), "cost": "dollars", "include_oracle": True}
    assert (Selection.from_options(options), Pricing.from_options(options)) == (selection, pricing)


def test_request_and_spec_share_the_pricing_checks(wh: Warehouse) -> None:
    """The same check, with the same words, for frontier's spec and recommend's request."""
    for gpus in (0, True):
        with pytest.raises(KineticsError, match="--gpus must be a whole number >= 1"):
            rec.Request.make(hardware="h100-sxm", gpus=gpus, budget_s=60).validated(wh)
        with pytest.raises(KineticsError, match="--gpus must be a whole number >= 1"):
            fr.FrontierSpec.make(hardware="h100-sxm", gpus=gpus).validated(wh)
    with pytest.raises(KineticsError, match="reserve"):
        rec.Request.make(hardware="h100-sxm", vram_gb=4, reserve_gb=8, budget_s=60).validated(wh)
    with pytest.raises(KineticsError, match="reserve"):
        fr.FrontierSpec.make(hardware="h100-sxm", cost="latency", vram_gb=4, reserve_gb=8).validated(wh)
    assert rec.Request.make(hardware="H100-SXM", budget_s=60).validated(wh).pricing == Pricing(hardware="h100-sxm")


def test_make_puts_each_flat_option_in_the_selection_the_pricing_or_the_value_itself() -> None:
    spec = fr.FrontierSpec.make(task="math500", hardware="h100-sxm", gpus=2, cost="latency", by="model")
    assert (spec.selection, spec.pricing) == (Selection(task="math500"), Pricing(hardware="h100-sxm", gpus=2))
    assert (spec.cost, spec.by) == ("latency", "model")
    changed = spec.but(gpus=1, models=("m",), cost="eflops")
    assert changed.selection == Selection(task="math500", models=("m",))
    assert (changed.pricing, changed.cost, changed.by) == (Pricing(hardware="h100-sxm"), "eflops", "model")
    req = rec.Request.make(hardware="h100-sxm", vram_gb=24.0, models=("m",), budget_s=60)
    assert (req.pricing, req.models, req.budget_s) == (Pricing(hardware="h100-sxm", vram_gb=24.0), ("m",), 60)
    assert req.but(hardware="rtx-4090").pricing == Pricing(hardware="rtx-4090", vram_gb=24.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'hardwar'"):
        fr.FrontierSpec.make(hardwar="h100-sxm")
