"""The Flamingo model: OpenFlamingo-v1 architecture around any Hugging Face LLaMA-architecture causal LM.

Modules: config (FlamingoConfig), perceiver, cross_attention, media (which image a token attends to), flamingo
(the model), tokens, build, lora, trainable, checkpoint, openflamingo (v1 weights), images (preprocessing),
resolution (a vision tower at another input size), device, generation, compile (regional compilation for
training), bench. Import from the modules themselves: the package imports nothing, so reading a
config (`model.config`) does not load torch and open_clip.
"""
