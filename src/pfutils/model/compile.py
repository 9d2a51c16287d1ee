"""Regional compilation for training: `torch.compile` on each decoder layer of the LM, in place.

Compiling the repeated block rather than the whole Flamingo is the standard recipe for transformers: the layers
share one compiled graph (the gated cross-attention pre-hooks of every n-th layer make a second), so the compile
cost does not grow with depth, and the model's module tree and state-dict names stay as they are. `dynamic=True`
compiles for any sequence length from the start, so micro-batches of different lengths reuse the graph.
"""

from pfutils.model.flamingo import Flamingo


def compile_decoder_layers(model: Flamingo, **compile_kwargs) -> int:
    """Compiles every decoder layer of `model`'s LM in place (`nn.Module.compile`, default: inductor, dynamic
    shapes); returns how many. Keyword arguments go to `torch.compile` (e.g. `backend="aot_eager"` in tests)."""
    layers = model.base_lm.get_decoder().layers
    for layer in layers:
        layer.compile(**{"dynamic": True, **compile_kwargs})
    return len(layers)
