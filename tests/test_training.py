"""Training: loss masks, the split of global batches over processes, kill-and-resume, and 2-process DDP."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from model_fixtures import one_torch_thread, sentencepiece_llama_tokenizer, tiny_flamingo, tiny_tokenizer  # noqa: F401
from pfutils.augmentation.packing import Turn, turn_tokens
from pfutils.model.behaviour import BEHAVIOURS
from pfutils.model.generation import left_padded_prompts
from pfutils.model.openflamingo import openflamingo_tokenizer
from pfutils.prompts import chat_prompt
from pfutils.training.examples import IGNORE, Segment, supervised_example, tokenize_segments
from pfutils.training.trainer import global_batches, rank_micro_batches

HERE = Path(__file__).parent


def test_loss_mask_covers_exactly_each_response_and_its_eos():
    tok = tiny_tokenizer()
    segments = [Segment("w1 w2 w3", False), Segment(" w4 w5", True), Segment(" w6", False), Segment(" w7", True)]
    ids, labels = tokenize_segments(tok, segments, bos=False)
    eos = tok.eos_token_id
    assert tok.convert_ids_to_tokens(ids) == ["w1", "w2", "w3", "w4", "w5", "</s>", "w6", "w7", "</s>"]
    assert labels == [IGNORE] * 3 + ids[3:6] + [IGNORE] + [ids[7], eos]
    assert supervised_example(tok, segments, [], max_length=8, bos=False) is None, "over-long examples are rejected, not cut"


@pytest.fixture(scope="module")
def sentencepiece(tmp_path_factory):
    """A SentencePiece LLaMA-type tokenizer extended as OpenFlamingo extends LLaMA's."""
    directory = tmp_path_factory.mktemp("sentencepiece")
    sentencepiece_llama_tokenizer(directory)
    return openflamingo_tokenizer(str(directory))


def test_sentencepiece_sequences_are_the_whole_text_tokenised_with_bos(sentencepiece):
    """LLaMA's tokenizer type: a training sequence is BOS + the whole text tokenised at once (not piece by piece,
    which puts a spurious `▁` at each piece boundary), the loss on exactly the response and its EOS; the prompt
    a model is asked at inference is the same tokens up to the response."""
    tok = sentencepiece
    behaviour = BEHAVIOURS["openflamingo_v1"]
    prompt = chat_prompt("What is in the image?", n_images=1, layout=behaviour.media_layout)
    response = "There is a red cube."
    ids, labels = tokenize_segments(tok, [Segment(prompt, False), Segment(" " + response, True)], bos=True)
    whole = tok(prompt + " " + response + tok.eos_token, add_special_tokens=False)["input_ids"]
    assert ids == [tok.bos_token_id, *whole]
    trained = [t for t, label in zip(ids, labels) if label != IGNORE]
    assert trained == ids[len(ids) - len(trained):] and tok.decode(trained) == response + tok.eos_token
    assert tok.convert_ids_to_tokens(trained[0]) == "▁The"  # "There" is "▁The" "re" in this small vocabulary
    apart = tok(prompt, add_special_tokens=False)["input_ids"] + tok(" " + response, add_special_tokens=False)["input_ids"]
    assert apart != whole[:-1], "SentencePiece tokenises pieces differently: the whole text is what must be used"
    asked = left_padded_prompts(tok, [prompt], "cpu", bos=True)["input_ids"][0].tolist()
    assert ids[:len(asked)] == asked and labels[len(asked) - 1] == IGNORE != labels[len(asked)]


def test_sentencepiece_packed_turns_are_the_whole_sequence_tokenised(sentencepiece):
    """A later turn of a packed sequence is tokenised as it reads after the previous turn's EOS."""
    tok = sentencepiece
    behaviour = BEHAVIOURS["openflamingo_v1"]
    turns = [Turn("What is in the image?", "A red cube.", (None,)), Turn("How many?", "Three objects.", ())]
    first, later = turn_tokens(tok, turns[0], True, behaviour), turn_tokens(tok, turns[1], False, behaviour)
    text = (chat_prompt(turns[0].instruction, turns[0].response, 1, layout=behaviour.media_layout) + tok.eos_token
            + "\n" + chat_prompt(turns[1].instruction, turns[1].response, system=False) + tok.eos_token)
    assert first[0] + later[0] == [tok.bos_token_id, *tok(text, add_special_tokens=False)["input_ids"]]
    assert tok.decode([t for t, label in zip(later[0], later[1]) if label != IGNORE]) == "Three objects." + tok.eos_token


def test_global_batches_are_dealt_to_processes_without_loss_or_overlap():
    batches = global_batches(10, 4, epoch=0, seed=1)
    assert sorted(i for b in batches for i in b) == list(range(10))
    assert global_batches(10, 4, epoch=0, seed=1) == batches != global_batches(10, 4, epoch=1, seed=1)
    for batch in batches:
        shares = [rank_micro_batches(batch, 1, rank, 3) for rank in range(3)]
        assert sorted(i for share in shares for chunk in share for i in chunk) == sorted(batch)


def _run_in_process(tmp_path: Path, name: str, stop_after=None, **config) -> dict:
    sys.path.insert(0, str(HERE))
    from training_run import run
    out = tmp_path / f"{name}.safetensors"
    result = run(str(out), str(tmp_path / f"{name}-work"), stop_after, **config)
    return {"tensors": load_file(str(out)), **result}


def test_training_lowers_the_loss_and_touches_only_the_trainable_set(tmp_path):
    result = _run_in_process(tmp_path, "plain")
    losses = [row["loss"] for row in result["curve"]]
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert result["tensors"] and all(n.startswith(("perceiver.", "gated_cross_attn_layers.")) for n in result["tensors"])
    assert not any(".ff." in n or n.endswith("ff_gate") for n in result["tensors"])
    assert not (tmp_path / "plain-work").exists(), "a finished run removes its checkpoint"


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    whole = _run_in_process(tmp_path, "whole")
    first = _run_in_process(tmp_path, "resumed", stop_after=2)
    assert (tmp_path / "resumed-work" / "progress.json").exists()
    assert [r["step"] for r in first["curve"]] == [1, 2]
    resumed = _run_in_process(tmp_path, "resumed")
    assert [r["step"] for r in resumed["curve"]] == [1, 2, 3, 4]
    for name, tensor in whole["tensors"].items():
        torch.testing.assert_close(resumed["tensors"][name], tensor, rtol=0, atol=0)


def test_a_checkpoint_of_another_start_model_is_discarded_not_resumed(tmp_path, capfd):
    """Killed after 2 steps from one start model, then run from another (same config, same examples): the
    checkpoint belongs to another run, so it is discarded with a log line and the run ends as a clean one."""
    clean = _run_in_process(tmp_path, "clean", model_seed=1)
    _run_in_process(tmp_path, "switched", stop_after=2, model_seed=0)
    capfd.readouterr()
    switched = _run_in_process(tmp_path, "switched", model_seed=1)
    assert "discarding resume state of another job" in capfd.readouterr().err
    for name, tensor in clean["tensors"].items():
        torch.testing.assert_close(switched["tensors"][name], tensor, rtol=0, atol=0)


def test_grouping_by_length_sorts_micro_batches_and_keeps_the_update(tmp_path, monkeypatch):
    from pfutils.training import trainer

    widths = []

    def recording_collate(examples, *args, **kwargs):
        widths.append([len(e["input_ids"]) for e in examples])
        return trainer_collate(examples, *args, **kwargs)

    trainer_collate = trainer.collate
    monkeypatch.setattr(trainer, "collate", recording_collate)
    grouped = _run_in_process(tmp_path, "grouped", micro_batch_size=2, group_by_length=True)

    def steps():  # 6 examples in batches of 4: a step of 2 micro-batches, then one of 1, in each of 2 epochs
        return [sum(widths[start:start + n], []) for start, n in ((0, 2), (2, 1), (3, 2), (5, 1))]

    assert len(widths) == 6 and all(step == sorted(step) for step in steps())
    widths.clear()
    plain = _run_in_process(tmp_path, "plain", micro_batch_size=2)
    assert any(step != sorted(step) for step in steps())
    for name, tensor in plain["tensors"].items():  # the same examples per step: the same update
        torch.testing.assert_close(grouped["tensors"][name], tensor, rtol=1e-4, atol=1e-5)


def test_compiled_decoder_layers_compute_the_same_update(tmp_path, monkeypatch):
    """Regional compilation changes kernels, not the update. `aot_eager` traces forward and backward as inductor
    does, without generating code (seconds, not a minute). Micro-batches of several lengths, with 0-2 images and
    text only, must all run compiled: hitting the recompilation limit (a silent fall-back to eager) fails."""
    from pfutils.model.compile import compile_decoder_layers
    from pfutils.training import trainer

    compiled = []
    monkeypatch.setattr(trainer, "compile_decoder_layers",
                        lambda model: compiled.append(compile_decoder_layers(model, backend="aot_eager")))
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    with torch._dynamo.config.patch(fail_on_recompile_limit_hit=True):
        result = _run_in_process(tmp_path, "compiled", micro_batch_size=2, compile_layers=True)
    assert compiled == [4] and torch._dynamo.utils.counters["stats"]["unique_graphs"] > 0
    plain = _run_in_process(tmp_path, "plain", micro_batch_size=2)
    assert [r["loss"] for r in result["curve"]] == pytest.approx([r["loss"] for r in plain["curve"]], rel=1e-4)
    for name, tensor in plain["tensors"].items():
        torch.testing.assert_close(result["tensors"][name], tensor, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_two_processes_compute_the_same_update_as_one(tmp_path):
    single = _run_in_process(tmp_path, "single")
    ddp = _run_on_two_processes(tmp_path, "ddp")
    for name, tensor in single["tensors"].items():
        torch.testing.assert_close(ddp[name], tensor, rtol=1e-4, atol=1e-5)


def _run_on_two_processes(tmp_path: Path, name: str, *flags: str) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(HERE)}
    torchrun = Path(sys.executable).parent / "torchrun"
    done = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", str(HERE / "training_run.py"),
                           str(tmp_path / f"{name}.safetensors"), str(tmp_path / f"{name}-work"), *flags],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return load_file(str(tmp_path / f"{name}.safetensors"))


@pytest.mark.slow
@pytest.mark.parametrize("trainable, images_everywhere", [("perceiver_xattn", True), ("lora+input_embeddings", False)])
def test_sharded_frozen_weights_give_the_same_update_and_come_back_whole(tmp_path, trainable, images_everywhere):
    """FSDP2 over 2 processes, batches of 3 in micro-batches of 1 (one process runs a zero-weight padding pass
    in every step): the trained tensors end exactly as on the same 2 processes unsharded, and as in one process up
    to the order of float sums; the frozen ones come back whole and unchanged. LoRA's tensors sit inside the
    sharded decoder layers (kept whole there); with LoRA, text-only passes train."""
    config = dict(batch_size=3, micro_batch_size=1, trainable=trainable)
    single = _run_in_process(tmp_path, "single", images_everywhere=images_everywhere, **config)
    flags = ["--batch-size", "3", "--micro-batch-size", "1", "--trainable", trainable,
             *(["--images-everywhere"] * images_everywhere)]
    unsharded = _run_on_two_processes(tmp_path, "unsharded", *flags)
    sharded = _run_on_two_processes(tmp_path, "sharded", "--shard", *flags)
    assert set(sharded) == set(unsharded) == set(single["tensors"])
    for name, tensor in single["tensors"].items():
        torch.testing.assert_close(sharded[name], unsharded[name], rtol=0, atol=0)
        torch.testing.assert_close(sharded[name], tensor, rtol=1e-3, atol=1e-4)
    frozen = load_file(str(tmp_path / "single.frozen.safetensors"))
    gathered = load_file(str(tmp_path / "sharded.frozen.safetensors"))
    assert set(gathered) == set(frozen)
    for name, tensor in gathered.items():
        assert torch.equal(tensor, frozen[name]), name


@pytest.mark.slow
def test_sharded_and_compiled_together_give_the_same_update(tmp_path):
    """The paper profile turns on both: FSDP2 units whose decoder layers are compiled in place (`aot_eager`:
    the same tracing as inductor; hitting the recompilation limit fails), LoRA with text-only passes."""
    flags = ["--shard", "--batch-size", "3", "--micro-batch-size", "1", "--trainable", "lora"]
    sharded = _run_on_two_processes(tmp_path, "sharded", *flags)
    compiled = _run_on_two_processes(tmp_path, "compiled", *flags, "--compile-backend", "aot_eager")
    assert set(compiled) == set(sharded)
    for name, tensor in sharded.items():
        torch.testing.assert_close(compiled[name], tensor, rtol=1e-4, atol=1e-5)


def test_sharded_runs_refuse_text_only_passes_that_train_nothing():
    from pfutils.training.sharding import check_every_pass_trains
    with_image, text_only = {"images": ["an image"]}, {"images": []}
    check_every_pass_trains([[with_image, text_only], [with_image]], "perceiver_xattn")
    check_every_pass_trains([[text_only]], "perceiver_xattn+lora")
    with pytest.raises(ValueError, match="1 text-only micro-batch"):
        check_every_pass_trains([[with_image], [text_only, text_only]], "perceiver_xattn")


def test_a_bf16_model_trains_fp32_master_weights(tmp_path):
    """Under bf16 the trained weights and AdamW's state are fp32: a first AdamW step of lr 1e-6 moves each weight
    by about 1e-6, far below bf16's resolution (2^-8 relative) for weights near 1, and the update is kept; the
    model ends in bf16 as it started."""
    sys.path.insert(0, str(HERE))
    from training_run import CONFIG, examples

    from pfutils.model.images import image_transform
    from pfutils.training.trainer import train

    model, tokenizer = tiny_flamingo()
    model.to(torch.bfloat16)
    start = {n: p.detach().float().clone() for n, p in model.named_parameters() if n.startswith("perceiver.")}
    config = CONFIG.model_copy(update={"lr": 1e-6, "warmup_ratio": 0.0, "weight_decay": 0.0})
    train(model, tokenizer, examples(tokenizer, images_everywhere=True), config, tmp_path / "work", seed=7,
          transform=image_transform(model.vision_encoder), stop_after=1)
    saved = load_file(str(tmp_path / "work" / "trainable.safetensors"))
    latents = saved["perceiver.latents"]
    assert latents.dtype == torch.float32
    moved = (latents - start["perceiver.latents"]).abs()
    assert 0.5e-6 < moved.max() < 1.2e-6 and (moved > 0).float().mean() > 0.9
    assert (latents.bfloat16().float() == start["perceiver.latents"]).all(), "the update is below bf16's resolution"
    state = torch.load(tmp_path / "work" / "optimizer.pt", weights_only=True)["optimizer"]["state"]
    assert all(s["exp_avg"].dtype == torch.float32 for s in state.values())
    assert all(p.dtype == torch.bfloat16 for p in model.parameters())
