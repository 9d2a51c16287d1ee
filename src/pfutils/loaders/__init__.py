"""Real-dataset loaders for the `paper` profile: each reads one of the paper's datasets in its released format
and yields rows of the one sample schema (`pfutils.schema`), with the same categories as the toyworld analogue it
replaces (`coco` for `coco_like`, `ultrachat`/`sharegpt` for `text_dialogue_like`, ...), so every later stage
runs unchanged on either.

Every loader is `load(<annotation files>..., *, [image_root,] split, limit=None, [turns="first"]) ->
(rows, rejects)`: rows are schema records whose images are file paths; rejects are `{"dataset", "id", "reason"}`
for records that could not be mapped. A missing annotation file or image root raises FileNotFoundError naming
the path and where to download the dataset. `SourceConfig` (config.py) describes one such source in params.
"""
from collections.abc import Callable

from .aokvqa import AOKVQA, load_aokvqa
from .coco import COCO, load_coco
from .common import Download
from .elevater import ELEVATER, load_elevater
from .gqa import GQA, load_gqa
from .img2p import IMG2P, load_img2p
from .llava import (
    LLAVA,
    load_llava_conversation,
    load_llava_detail,
    load_llava_reasoning,
)
from .nlvr2 import NLVR2, load_nlvr2
from .spotdiff import SPOTDIFF, load_spotdiff
from .text_dialogues import SHAREGPT, ULTRACHAT, load_sharegpt, load_ultrachat
from .vqa import OKVQA, VQAV2, load_okvqa, load_vqav2
from .vsr import VSR, load_vsr

# name -> loader; the name is also the `dataset` field of the rows it makes.
LOADERS: dict[str, Callable[..., tuple[list[dict], list[dict]]]] = {
    # raw annotations (Table 6), rewritten into PF-1M
    "coco": load_coco,
    "img2p": load_img2p,
    "elevater": load_elevater,
    "spotdiff": load_spotdiff,
    "aokvqa": load_aokvqa,
    "vqav2": load_vqav2,
    "gqa": load_gqa,
    # held-out evaluation, never rewritten or trained on
    "okvqa": load_okvqa,
    "vsr": load_vsr,
    "nlvr2": load_nlvr2,
    # polite sources
    "llava_detail": load_llava_detail,
    "llava_conv": load_llava_conversation,
    "llava_reasoning": load_llava_reasoning,
    "ultrachat": load_ultrachat,
    "sharegpt": load_sharegpt,
}

# name -> the toyworld dataset slot it fills (stage 00, `sources.real`); both land in the same schema category.
REPLACES: dict[str, str] = {
    "coco": "coco_like", "img2p": "img2p_like", "elevater": "elevater_like", "spotdiff": "spotdiff_like",
    "aokvqa": "aokvqa_like", "vqav2": "vqav2_like", "gqa": "gqa_like", "okvqa": "okvqa_like", "vsr": "vsr_like",
    "nlvr2": "nlvr2_like", "llava_detail": "llava_detail_like", "llava_conv": "llava_conv_like",
    "llava_reasoning": "llava_reasoning_like", "ultrachat": "text_dialogue_like", "sharegpt": "text_dialogue_like",
}

# name -> where to download it, for the error a missing file raises before stage 00 starts.
DOWNLOADS: dict[str, Download] = {
    "coco": COCO, "img2p": IMG2P, "elevater": ELEVATER, "spotdiff": SPOTDIFF, "aokvqa": AOKVQA, "vqav2": VQAV2,
    "gqa": GQA, "okvqa": OKVQA, "vsr": VSR, "nlvr2": NLVR2, "llava_detail": LLAVA, "llava_conv": LLAVA,
    "llava_reasoning": LLAVA, "ultrachat": ULTRACHAT, "sharegpt": SHAREGPT,
}
