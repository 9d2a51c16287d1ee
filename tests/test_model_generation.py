"""Generation: KV cache, left-padded batches, beam search and sampling, all with images; the benchmark helper."""

import torch
from transformers import CompileConfig
from model_fixtures import random_images, tiny_flamingo
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)

from pfutils.model.bench import generation_benchmark
from pfutils.model.generation import STATIC_CACHE_BUCKET, generate_tokens, left_padded_prompts, static_cache_length
from pfutils.model.lora import add_lora

PROMPTS = [
    "w1 w2 <image> w3 w4 w5 <image> w6 w7 w8",
    "<image> w9 w10",
    "w11 w12 w13",
    "w14 <image> w15 w16 w17 w18 w19 w20 w21 w22 w23 w24",
    "w25 w26 <image> w27 <image> w28 <image> w29",
]
IMAGE_MASK = torch.tensor(
    [[1, 1, 0], [1, 0, 0], [0, 0, 0], [1, 0, 0], [1, 1, 1]], dtype=torch.bool
)


def greedy_steps(model, tokenizer, images, use_cache=True):
    """(sequences, logits of every step (steps, rows, vocab)) of greedy decoding of PROMPTS."""
    batch = left_padded_prompts(tokenizer, PROMPTS, "cpu", bos=False)
    output = model.generate(
        batch["input_ids"],
        batch["attention_mask"],
        images,
        IMAGE_MASK,
        max_new_tokens=12,
        do_sample=False,
        use_cache=use_cache,
        pad_token_id=tokenizer.pad_token_id,
        return_dict_in_generate=True,
        output_logits=True,
    )
    return output.sequences, torch.stack(output.logits)


def test_cached_and_uncached_greedy_decoding_agree():
    """Uncached decoding recomputes every token's media mask from scratch; the cached steps must match it."""
    model, tokenizer = tiny_flamingo()
    images = random_images(len(PROMPTS), 3)
    cached, cached_logits = greedy_steps(model, tokenizer, images, use_cache=True)
    uncached, uncached_logits = greedy_steps(model, tokenizer, images, use_cache=False)
    assert torch.equal(cached, uncached)
    torch.testing.assert_close(cached_logits, uncached_logits, atol=1e-4, rtol=1e-4)


def test_changing_one_samples_image_changes_only_its_decoding_steps():
    model, tokenizer = tiny_flamingo()
    images = random_images(len(PROMPTS), 3)
    changed = images.clone()
    changed[4, 2] = random_images(1, 1, seed=9)[0, 0]
    _, before = greedy_steps(model, tokenizer, images)
    _, after = greedy_steps(model, tokenizer, changed)
    assert torch.equal(before[:, :4], after[:, :4])
    assert not torch.allclose(before[1:, 4], after[1:, 4])


def test_batched_left_padded_generation_equals_one_by_one():
    model, tokenizer = tiny_flamingo()
    images = random_images(len(PROMPTS), 3)
    kwargs = dict(max_new_tokens=16, do_sample=False)
    batched = generate_tokens(model, tokenizer, PROMPTS, images, IMAGE_MASK, batch_size=len(PROMPTS), **kwargs)
    one_by_one = generate_tokens(model, tokenizer, PROMPTS, images, IMAGE_MASK, batch_size=1, **kwargs)
    assert batched == one_by_one
    assert len({tuple(tokens) for tokens in batched}) == len(PROMPTS)


def test_beam_search_with_images_equals_one_by_one_beam_search():
    model, tokenizer = tiny_flamingo()
    images = random_images(len(PROMPTS), 3)
    kwargs = dict(max_new_tokens=8, num_beams=3, num_return_sequences=2, length_penalty=1.0, do_sample=False)
    batched = generate_tokens(model, tokenizer, PROMPTS, images, IMAGE_MASK, batch_size=len(PROMPTS), **kwargs)
    one_by_one = generate_tokens(model, tokenizer, PROMPTS, images, IMAGE_MASK, batch_size=1, **kwargs)
    assert len(batched) == 2 * len(PROMPTS)
    assert batched == one_by_one


def test_sampling_options_run_and_never_emit_image_tokens():
    model, tokenizer = tiny_flamingo()
    images = random_images(len(PROMPTS), 3)
    torch.manual_seed(0)
    outputs = generate_tokens(
        model,
        tokenizer,
        PROMPTS,
        images,
        IMAGE_MASK,
        max_new_tokens=10,
        do_sample=True,
        top_k=20,
        top_p=0.9,
        temperature=0.7,
        no_repeat_ngram_size=3,
        num_return_sequences=3,
    )
    assert len(outputs) == 3 * len(PROMPTS)
    assert all(model.media_token_id not in tokens for tokens in outputs)


def test_generation_benchmark_reports_both_ways_and_identical_outputs():
    model, tokenizer = tiny_flamingo()
    images = random_images(len(PROMPTS), 3)
    report = generation_benchmark(model, tokenizer, PROMPTS, images, IMAGE_MASK, batch_size=4, max_new_tokens=6)
    assert report["outputs_identical"] and report["differing_prompts"] == []
    assert {"num_prompts", "batch_size", "max_new_tokens", "device", "dtype", "speedup_samples_per_s"} <= set(report)
    for way in ("per_sample", "batched"):
        assert set(report[way]) == {"seconds", "samples_per_s", "tokens_per_s", "generated_tokens"}
    assert report["per_sample"]["generated_tokens"] == report["batched"]["generated_tokens"]


def test_generation_through_a_lora_adapter_is_batched_and_cached_correctly():
    model, tokenizer = tiny_flamingo()
    add_lora(model, model.config.lora)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if ".lora_B." in name:
                param.normal_()
    images = random_images(len(PROMPTS), 3)
    kwargs = dict(max_new_tokens=10, do_sample=False)
    batched = generate_tokens(model, tokenizer, PROMPTS, images, IMAGE_MASK, batch_size=len(PROMPTS), **kwargs)
    uncached = generate_tokens(model, tokenizer, PROMPTS, images, IMAGE_MASK, use_cache=False, **kwargs)
    one_by_one = generate_tokens(model, tokenizer, PROMPTS, images, IMAGE_MASK, batch_size=1, **kwargs)
    assert batched == uncached == one_by_one


def test_bf16_model_runs_forward_and_generation():
    """The dtype the paper trains and infers in (on cuda); run here on cpu to check the dtype plumbing."""
    model, tokenizer = tiny_flamingo()
    model.to(torch.bfloat16)
    images = random_images(len(PROMPTS), 3)
    batch = left_padded_prompts(tokenizer, PROMPTS, "cpu", bos=False)
    output = model(batch["input_ids"], batch["attention_mask"], images, IMAGE_MASK, labels=batch["input_ids"])
    assert output.logits.dtype == torch.bfloat16 and torch.isfinite(output.loss)
    outputs = generate_tokens(model, tokenizer, PROMPTS, images, IMAGE_MASK, max_new_tokens=4, num_beams=2)
    assert len(outputs) == len(PROMPTS)


def test_a_static_cache_decodes_as_the_growing_one():
    model, tokenizer = tiny_flamingo()
    images = random_images(len(PROMPTS), 3)
    kwargs = dict(max_new_tokens=12, do_sample=False, batch_size=len(PROMPTS))
    dynamic = generate_tokens(model, tokenizer, PROMPTS, images, IMAGE_MASK, **kwargs)
    static = generate_tokens(model, tokenizer, PROMPTS, images, IMAGE_MASK, cache_implementation="static", **kwargs)
    assert static == dynamic


def test_static_caches_are_sized_in_buckets():
    assert static_cache_length(10, 12) == STATIC_CACHE_BUCKET
    assert static_cache_length(STATIC_CACHE_BUCKET - 12, 12) == STATIC_CACHE_BUCKET
    assert static_cache_length(STATIC_CACHE_BUCKET, 1) == 2 * STATIC_CACHE_BUCKET


def test_the_compiled_decoding_step_is_one_graph_reused_across_batches():
    """`fullgraph=True` fails on any graph break in the LM or the Flamingo's hooks; with recompilation made an
    error, a second batch of other prompt lengths must reuse the first batch's graph (same bucketed cache)."""
    model, tokenizer = tiny_flamingo()
    images = random_images(len(PROMPTS), 3)
    config = CompileConfig(fullgraph=True, dynamic=False, backend="eager", mode="default")
    config._compile_all_devices = True  # transformers' own switch to compile on a CPU, for tests
    kwargs = dict(max_new_tokens=10, do_sample=False, batch_size=2)
    eager = generate_tokens(model, tokenizer, PROMPTS[:4], images[:4], IMAGE_MASK[:4], **kwargs)
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    first = generate_tokens(model, tokenizer, PROMPTS[:2], images[:2], IMAGE_MASK[:2],
                            cache_implementation="static", compile_config=config, **kwargs)
    assert hasattr(model.base_lm, "_compiled_call")  # transformers compiled the decoding step
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] == 1
    with torch._dynamo.config.patch(error_on_recompile=True):
        second = generate_tokens(model, tokenizer, PROMPTS[2:4], images[2:4], IMAGE_MASK[2:4],
                                 cache_implementation="static", compile_config=config, **kwargs)
    assert first + second == eager


def test_the_latents_are_projected_once_per_generate_call():
    """Each cross-attention block projects the image latents to keys and values at the prompt's forward; the
    cached decoding steps reuse them (without a cache, every step reads the whole sequence and projects again)."""
    model, tokenizer = tiny_flamingo()
    images = random_images(len(PROMPTS), 3)
    blocks = list(model.gated_cross_attn_layers.values())
    projections = []
    for block in blocks:
        block.attn.to_kv.register_forward_hook(lambda *_: projections.append(1))
    cached, _ = greedy_steps(model, tokenizer, images, use_cache=True)
    assert len(projections) == len(blocks)
    projections.clear()
    greedy_steps(model, tokenizer, images, use_cache=False)
    assert len(projections) == len(blocks) * (cached.shape[1] - left_padded_prompts(
        tokenizer, PROMPTS, "cpu", bos=False)["input_ids"].shape[1])
