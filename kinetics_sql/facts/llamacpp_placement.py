"""Where llama.cpp puts a model's layers for ``n_gpu_layers`` (its offload), used by the llama.cpp
runner to record what it ran and by the synthetic measurements that test the latency fit.

llama.cpp counts the output layer (norm + LM head) as one more layer: n_gpu_layers = g puts the last
g - 1 repeating layers and the output layer on the GPU; the rest, and the output layer when g = 0,
are computed by the CPU from host memory.
"""

from __future__ import annotations

from typing import Protocol

from kinetics_sql.facts.dtypes import BYTES_PER_ELEMENT


class ModelShape(Protocol):
    """What placement needs of a model (kinetics_sql.catalog.ModelSpec has it)."""

    @property
    def layers(self) -> int: ...
    @property
    def layer_params(self) -> float: ...
    @property
    def vocab(self) -> int: ...
    @property
    def hidden(self) -> int: ...


def placement(spec: ModelShape, n_gpu_layers: int) -> tuple[int, bool]:
    """(repeating layers on the GPU, output layer on the GPU) for llama.cpp's n_gpu_layers."""
    g = max(0, min(n_gpu_layers, spec.layers + 1))
    return max(0, g - 1), g >= 1


def offload_bytes(spec: ModelShape, n_gpu_layers: int, dtype: str, gpu: bool = True) -> tuple[int, int]:
    """(layers computed on the CPU, bytes of weights the CPU reads per forward pass).

    Without a GPU backend (a CPU build) every layer is computed by the CPU whatever n_gpu_layers says.
    """
    on_gpu, out_gpu = placement(spec, n_gpu_layers) if gpu else (0, False)
    cpu_layers = spec.layers - on_gpu
    b = BYTES_PER_ELEMENT[dtype]
    nbytes = int(cpu_layers * spec.layer_params * b)
    if not out_gpu:
        nbytes += spec.vocab * spec.hidden * b + spec.hidden * 4
    return cpu_layers, nbytes
