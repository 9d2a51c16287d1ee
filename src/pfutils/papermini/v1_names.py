"""A Flamingo's weights under OpenFlamingo v1's names, as its released checkpoints hold them: what the paper-mini
release's `checkpoint.pt` is written in, and what the tests load back through `pfutils.model.openflamingo`."""
import torch


def openflamingo_v1_state_dict(source):
    """`source`'s weights under OpenFlamingo v1's names: FlamingoLayer-wrapped decoder layers, each XATTN block
    under two names, the full CLIP (text tower included), an old-transformers rotary buffer."""
    state = {}
    for name, tensor in source.state_dict().items():
        tensor = tensor.clone()
        if name.startswith("gated_cross_attn_layers."):
            index, rest = name.removeprefix("gated_cross_attn_layers.").split(".", 1)
            state[f"lang_encoder.gated_cross_attn_layers.{index}.{rest}"] = tensor
            state[f"lang_encoder.model.layers.{index}.gated_cross_attn_layer.{rest}"] = tensor.clone()
        elif name.startswith("lang_encoder.model.layers."):
            index, rest = name.removeprefix("lang_encoder.model.layers.").split(".", 1)
            state[f"lang_encoder.model.layers.{index}.decoder_layer.{rest}"] = tensor
        elif name.startswith("vision_encoder."):
            state["vision_encoder.visual." + name.removeprefix("vision_encoder.")] = tensor
        else:
            state[name] = tensor
    state["vision_encoder.token_embedding.weight"] = torch.zeros(64, 32)
    state["lang_encoder.model.layers.0.decoder_layer.self_attn.rotary_emb.inv_freq"] = torch.ones(4)
    return state
