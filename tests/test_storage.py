"""Datasets written by `save_dataset`: read back by `datasets.load_from_disk`, a file image kept as a reference."""
import random

import datasets
from PIL import Image

from pfutils.schema import FEATURES, dataset_from_rows, decoded, sample, undecoded
from pfutils.storage import save_dataset
from pfutils.toyworld.scene import World
from pfutils.toyworld.sources import build_source


def test_in_memory_images_are_written_as_save_to_disk_writes_them(tmp_path):
    splits = build_source("coco_like", {"train": 6, "test": 2}, 0, World())
    splits.save_to_disk(str(tmp_path / "reference"))
    save_dataset(splits, tmp_path / "ours")
    written = sorted(p.relative_to(tmp_path / "reference") for p in (tmp_path / "reference").rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(tmp_path / "ours") for p in (tmp_path / "ours").rglob("*") if p.is_file())
    for name in written:
        assert (tmp_path / "reference" / name).read_bytes() == (tmp_path / "ours" / name).read_bytes(), name


def test_an_image_file_many_rows_use_is_stored_once_as_its_path(tmp_path):
    image = Image.frombytes("RGB", (300, 200), random.Random(0).randbytes(300 * 200 * 3))  # 180 kB as a PNG
    image.save(tmp_path / "shared.png")

    def rows(n):
        return dataset_from_rows([sample(id=f"gqa/train/{i}", dataset="gqa", category="vqa_short", split="train",
                                         images=[str(tmp_path / "shared.png")], instruction=f"Question {i}?",
                                         response="yes") for i in range(n)], FEATURES)

    save_dataset(datasets.DatasetDict({"train": rows(200)}), tmp_path / "many")
    size = sum(p.stat().st_size for p in (tmp_path / "many" / "train").glob("*.arrow"))
    assert size < (tmp_path / "shared.png").stat().st_size, "200 rows hold a reference, not 200 copies"
    back = datasets.load_from_disk(str(tmp_path / "many"))["train"]
    assert back[199]["images"][0].tobytes() == image.tobytes(), "read back: decoded from the file"
    stored = undecoded(back)[0]["images"][0]
    assert stored == {"path": str(tmp_path / "shared.png"), "bytes": None}
    assert decoded(stored).tobytes() == image.tobytes()
