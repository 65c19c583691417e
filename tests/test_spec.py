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
            rec.Request(hardware="h100-sxm", gpus=gpus, budget_s=60).validated(wh)
        with pytest.raises(KineticsError, match="--gpus must be a whole number >= 1"):
            fr.FrontierSpec(hardware="h100-sxm", gpus=gpus).validated(wh)
    with pytest.raises(KineticsError, match="reserve"):
        rec.Request(hardware="h100-sxm", vram_gb=4, reserve_gb=8, budget_s=60).validated(wh)
    with pytest.raises(KineticsError, match="reserve"):
        fr.FrontierSpec(hardware="h100-sxm", cost="latency", vram_gb=4, reserve_gb=8).validated(wh)
    assert rec.Request(hardware="H100-SXM", budget_s=60).validated(wh).pricing == Pricing(hardware="h100-sxm")
