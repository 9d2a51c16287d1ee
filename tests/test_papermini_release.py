"""paper-mini's release (pfutils.papermini.release): toyworld in the paper's data formats, read by the real loaders."""
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from pfutils.loaders.config import SourceConfig
from pfutils.loaders.stage import build_real_source
from pfutils.papermini.release import Release, write_release
from pfutils.profiles import profile_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("paper-mini")
    write_release(Release(root / "raw", n=12))
    return root


def _images(raw: Path) -> list[Path]:
    return [p for p in raw.rglob("*") if p.suffix in (".jpg", ".png")]


def test_images_come_as_real_data_does(release):
    images = _images(release / "raw")
    modes, sizes, broken = Counter(), set(), 0
    for path in images:
        try:
            with Image.open(path) as image:
                image.load()
                modes[(path.suffix, image.mode)] += 1
                sizes.add(image.size)
        except OSError:
            broken += 1
    assert {(".jpg", "RGB"), (".jpg", "L"), (".jpg", "CMYK"), (".png", "RGBA"), (".png", "P"), (".png", "L")} <= set(modes)
    assert any(w != h for w, h in sizes) and len({max(s) for s in sizes}) > 1, "non-square, several sizes"
    assert broken > 0, "a few images are truncated"


def test_the_real_loaders_read_every_slot_with_rejects_for_broken_images(release, monkeypatch):
    monkeypatch.chdir(release)
    params = profile_params("paper-mini", ROOT / "params.yaml", ROOT / "profiles")
    reasons = []
    for slot, sources in params["sources"]["real"].items():
        built, rejects = build_real_source(slot, [SourceConfig.model_validate(s) for s in sources])
        assert sum(d.num_rows for d in built.values()) > 0, slot
        reasons += [r["reason"] for r in rejects]
    assert any("decode" in r or "truncated" in r for r in reasons), reasons
    assert any("missing" in r or "not found" in r or "no such" in r.lower() for r in reasons), reasons


def test_one_image_file_serves_every_annotation_of_it(release):
    """As in the releases: a COCO train2017 image is captioned, and LLaVA and A-OKVQA ask about it, one file."""
    import json
    raw = release / "raw"
    coco = {i["file_name"] for i in json.loads((raw / "coco/annotations/captions_train2017.json").read_text())["images"]}
    llava = {r["image"] for r in json.loads((raw / "llava/detail_23k.json").read_text())}
    aokvqa = {f"{r['image_id']:012d}.jpg" for r in json.loads((raw / "aokvqa/aokvqa_v1p0_train.json").read_text())}
    assert llava <= coco and aokvqa <= coco and aokvqa


def test_the_same_arguments_write_the_same_bytes(tmp_path):
    write_release(Release(tmp_path / "a", n=4))
    write_release(Release(tmp_path / "b", n=4))
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files and all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
