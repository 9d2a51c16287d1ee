"""The numbers the paper reports (method-facts.md, "Evaluation"), drawn beside ours for reference."""

FIGURE6_MEDIANS = {"raw annotations": -2.42, "PF-1M": -0.50, "M3IT": -1.31, "LLaVA": 2.39}
FIGURE8_CLEVER_WIN_RATES = {"raw annotations": 0.796, "Otter": 0.621, "LLaVA-7B": 0.429, "LLaVA-13B": 0.394}
TABLE1_CLEVER_MINUS_OTTER = {"COCO Rouge-L": 1.7, "TextCaps Rouge-L": 4.4, "Img2P Rouge-L": 2.3,
                             "OK-VQA NLI acc": 14.6, "VSR NLI acc": 14.9, "Grid-3D NLI acc": 15.5}
TABLE3 = {"generation 1": {"reward_mean": -1.19, "unchanged_share": 0.1153, "captioning_clipscore": 23.88},
          "generation 2": {"reward_mean": -0.68, "unchanged_share": 0.0, "captioning_clipscore": 23.25}}
