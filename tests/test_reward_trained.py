"""The `trained` reward backend: a tiny random LLaMA classifier, a few Bradley-Terry steps on toyworld pairs,
pairwise accuracy, padding-independent scores, and a save/load round trip through the backend switch."""
import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from pfutils.pretrain.tokenizer import train_tokenizer
from pfutils.reward.accuracy import accuracy_by_style, pair_scores, pairwise_accuracy
from pfutils.reward.config import Backbone, RewardTraining
from pfutils.reward.pairs import preference_pairs, split_by_prompt
from pfutils.reward.scorer import reward_model
from pfutils.reward.trained import TrainedRewardModel
from pfutils.reward.training import backbone_config, model_card, reward_backbone, train_reward_model
from pfutils.toyworld.sources import World, build_source

TINY = Backbone(hidden_size=32, layers=2, heads=2, intermediate_size=64)
CONFIG = RewardTraining(epochs=3, lr=3e-3, warmup_steps=2, batch_size=16, max_length=160)
# augment is left out only to spare these tests nlpaug's import; test_reward_pairs covers it
STYLES = ("answer", "caption", "emulator", "lowercase", "no_punctuation")


@pytest.fixture(scope="module")
def data():
    world = World()
    records = [r for name in ("llava_conv_like", "llava_detail_like")
               for r in build_source(name, {"val": 40}, 0, world)["val"].remove_columns(["images"])]
    pairs = preference_pairs(records, 0, per_chosen=2, styles=STYLES)
    train, heldout = split_by_prompt(pairs, 0.25, 0)
    texts = [t for r in records for t in (r["instruction"], r["response"], r["answer"], *r["captions"])]
    tokenizer = train_tokenizer(texts + ["### Human: \n### Assistant: "], vocab_size=400, model_max_length=256)
    return tokenizer, train, heldout


@pytest.fixture(scope="module")
def trained(data):
    tokenizer, train, _ = data
    backbone = reward_backbone(tokenizer, backbone_config(tokenizer, TINY, CONFIG.max_length), seed=0)
    return train_reward_model(backbone, tokenizer, train, CONFIG, seed=0, device="cpu")


def test_training_lowers_the_loss_deterministically(data, trained):
    tokenizer, train, _ = data
    reward, curve = trained
    assert len(curve) == CONFIG.epochs * -(-len(train) // CONFIG.batch_size)
    losses = [row["loss"] for row in curve]
    assert sum(losses[-4:]) / 4 < 0.7 * sum(losses[:4]) / 4
    backbone = reward_backbone(tokenizer, backbone_config(tokenizer, TINY, CONFIG.max_length), seed=0)
    _, again = train_reward_model(backbone, tokenizer, train, CONFIG.model_copy(update={"epochs": 1}), seed=0,
                                  device="cpu")
    assert [row["loss"] for row in again[:3]] == losses[:3]


def test_pairwise_accuracy_is_the_share_of_pairs_ranked_right(data, trained):
    _, _, heldout = data
    reward, _ = trained
    chosen, rejected = pair_scores(reward, heldout)
    for pair, c, r in list(zip(heldout, chosen, rejected))[:5]:
        assert reward.score([pair.instruction] * 2, [pair.chosen, pair.rejected]) == pytest.approx([c, r], abs=1e-5)
    accuracy = pairwise_accuracy(chosen, rejected)
    assert accuracy == sum(c > r for c, r in zip(chosen, rejected)) / len(heldout)
    assert accuracy > 0.5  # a few steps already rank most held-out pairs
    by_style = accuracy_by_style(heldout, chosen, rejected)
    assert set(by_style) == {p.style for p in heldout}
    assert pairwise_accuracy([1.0, 2.0, 3.0], [0.0, 2.0, 4.0]) == pytest.approx(1 / 3)  # the tie is not a win
    assert accuracy_by_style(heldout[:2], [1.0, 0.0], [0.0, 1.0]) == (
        {heldout[0].style: 0.5} if heldout[0].style == heldout[1].style else {heldout[0].style: 1.0,
                                                                              heldout[1].style: 0.0})
    with pytest.raises(ValueError, match="no pairs"):
        pairwise_accuracy([], [])


def test_scores_do_not_depend_on_the_batch_and_long_texts_keep_their_eos(data, trained):
    _, _, heldout = data
    reward, _ = trained
    instructions = [p.instruction for p in heldout[:6]]
    responses = [p.chosen if i % 2 else p.rejected for i, p in enumerate(heldout[:6])]
    alone = [reward.score([i], [r])[0] for i, r in zip(instructions, responses)]
    assert reward.score(instructions, responses) == pytest.approx(alone, abs=1e-5)
    short = TrainedRewardModel(reward.model, reward.tokenizer, max_length=8)
    ids = short.encode(["a question"], ["a very long response " * 20])["input_ids"][0]
    assert len(ids) == 8 and ids[-1].item() == reward.tokenizer.eos_token_id


def test_save_and_load_through_the_backend_switch_gives_identical_scores(data, trained, tmp_path):
    _, _, heldout = data
    reward, _ = trained
    card = model_card(CONFIG, 0, "random tiny LLaMA", 100, len(heldout), 0.9, {"answer": 1.0})
    path = tmp_path / "reward"
    reward.save_pretrained(path, card, info={"seed": 0})
    reward.save_pretrained(path, card, info={"seed": 0})  # replaces the earlier save in place
    assert (path / "model.safetensors").is_file() and "Held-out pairwise accuracy" in (path / "README.md").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["reward"]  # no temporary left behind
    loaded = reward_model("trained", path, batch_size=reward.batch_size, device="cpu")
    instructions, responses = [p.instruction for p in heldout], [p.rejected for p in heldout]
    assert loaded.max_length == CONFIG.max_length
    assert loaded.score(instructions, responses) == reward.score(instructions, responses)
    with pytest.raises(FileNotFoundError, match="not a trained reward model"):
        reward_model("trained", tmp_path)


def test_backbone_starts_from_a_causal_lm_directory(data, tmp_path):
    tokenizer, _, _ = data
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, tie_word_embeddings=True, pad_token_id=tokenizer.pad_token_id)
    lm = LlamaForCausalLM(config)
    lm.save_pretrained(tmp_path / "lm")
    backbone = reward_backbone(tokenizer, tmp_path / "lm", seed=0)
    assert torch.equal(backbone.model.layers[0].mlp.up_proj.weight, lm.model.layers[0].mlp.up_proj.weight)
    assert backbone.config.num_labels == 1 and backbone.score.weight.shape == (1, 32)
    with pytest.raises(ValueError, match="embeds only 64"):
        reward_backbone(tokenizer, LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64,
                                               num_hidden_layers=1, num_attention_heads=2), seed=0)
