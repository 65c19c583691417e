"""One value for what a command selects and one for how it prices, each built once from the option values and
validated once; :class:`~kinetics_sql.frontier.FrontierSpec` (a Selection and a Pricing) and
:class:`~kinetics_sql.recommend.Request` (a Pricing) are composed of them, and :class:`Composed` builds either from
flat option values (``FrontierSpec.make(task=..., hardware=..., cost=...)``).

>>> Pricing.from_options({"hardware": "h100", "gpus": 2, "engine": None, "vram_gb": 24.0, "reserve_gb": 2.0}).gpus
2
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Self

from kinetics_sql import costmodel, limits
from kinetics_sql.defaults import DEFAULT_RESERVE_GB
from kinetics_sql.errors import KineticsError
from kinetics_sql.facts.methods import METHODS
from kinetics_sql.warehouse import Warehouse


def _pick(cls: type, options: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``options`` that are fields of dataclass ``cls`` (the others belong to someone else)."""
    return {f.name: options[f.name] for f in fields(cls) if f.name in options}


@dataclass(frozen=True)
class Pricing:
    """What prices a second: the hardware profile, tensor parallelism over ``gpus`` of it, whose fit
    (``engine``; None: the datasheet roofline) and under which VRAM limit and reserve (queries/pricing/)."""

    hardware: str = "b200"
    gpus: int = 1
    engine: str | None = None
    vram_gb: float | None = None
    reserve_gb: float = DEFAULT_RESERVE_GB

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Pricing:
        """From a command's option values: --hardware, --gpus, --engine, --vram-gb, --reserve-gb."""
        return cls(**_pick(cls, options))

    def fields(self) -> dict[str, Any]:
        return asdict(self)

    def args(self) -> list[str]:
        """The command-line options of the VRAM plan and engine that differ from their defaults (a command that
        reproduces this pricing adds --hardware and --gpus where it wants them)."""
        args = []
        if self.vram_gb is not None:
            args += ["--vram-gb", f"{self.vram_gb:g}"]
        if self.reserve_gb != DEFAULT_RESERVE_GB:
            args += ["--reserve-gb", f"{self.reserve_gb:g}"]
        if self.engine:
            args += ["--engine", self.engine]
        return args

    def validated(self, wh: Warehouse, *, memory_plan: bool = True) -> Pricing:
        """The hardware resolved; ``gpus`` a whole number >= 1 with an interconnect when > 1; with ``memory_plan``
        (a seconds-based cost) the VRAM limit and reserve leave room on the profile."""
        hardware = wh.resolve_hardware(self.hardware)
        if isinstance(self.gpus, bool) or not isinstance(self.gpus, int) or self.gpus < 1:
            raise KineticsError(f"--gpus must be a whole number >= 1, got {self.gpus!r}")
        if self.gpus > 1:
            costmodel.net_bandwidth(wh, hardware)  # tensor parallelism needs the interconnect
        if memory_plan:
            limits.check_memory_plan(self.vram_gb, self.reserve_gb, costmodel.vram_bytes(wh, hardware, None))
        return replace(self, hardware=hardware)


@dataclass(frozen=True)
class Selection:
    """Which measured data a frontier is drawn from: task, strategy, models, attention methods, sources and the
    adaptive strategies' batch and sample cap (``frontier`` and ``compare``'s selection options)."""

    task: str = "aime24"
    strategy: str = "best-of-n"
    variant: str = "exact"
    models: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    kind: str = "oracle"
    sources: tuple[str, ...] = ()
    batch: int = 1
    max_n: int | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Selection:
        return cls(**_pick(cls, options))

    def fields(self) -> dict[str, Any]:
        return asdict(self)

    def validated(self, wh: Warehouse) -> Selection:
        """Every method known; the model names resolved in the catalog."""
        for method in self.methods:
            if method not in METHODS:
                raise KineticsError(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
        return replace(self, models=tuple(wh.resolve_model(m) for m in self.models))


PARTS: dict[str, type] = {"selection": Selection, "pricing": Pricing}


class Composed:
    """A frozen dataclass with a ``selection`` (:class:`Selection`) and/or a ``pricing`` (:class:`Pricing`) field,
    built from flat option values: a Selection's or Pricing's field name goes into that value, any other name is
    the class's own (an unknown one is the constructor's TypeError)."""

    @classmethod
    def make(cls, **options: Any) -> Self:
        kwargs = dict(options)
        own = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        for name, part in PARTS.items():
            if name in own:
                picked = {f.name: kwargs.pop(f.name) for f in fields(part) if f.name in kwargs}
                kwargs[name] = replace(kwargs.pop(name, None) or part(), **picked)
        return cls(**kwargs)

    def but(self, **changes: Any) -> Self:
        """A copy with ``changes`` (flat names, as :meth:`make` takes them)."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]
        return self.make(**{**current, **changes})
