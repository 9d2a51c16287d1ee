"""Politeness as a reward model scores it (Sections 5.1.2 and 5.2.3; Figures 6, 8, 9; PF-1M's `reward` field).

One interface, `RewardModel.score(instructions, responses) -> list[float]`, two backends chosen by
`reward.backend` (`reward_model(backend, model)`):

- `hf` (`hf.py`): the paper's OpenAssistant/reward-model-deberta-v3-large-v2, (question, answer) as a text pair.
- `trained` (`trained.py`): the tiny profile's small LLaMA-style reward model, built and trained by
  `training.py` with the Bradley-Terry loss on preference pairs from `pairs.py` (polite teacher response over
  raw-style variants, split by prompt); `accuracy.py` measures its held-out pairwise accuracy.

What the scores become: `win_rates.py` (Figure 8's pairwise win-rate matrix) and `distributions.py`
(Figure 6's medians and quartiles). `config.py` holds the `reward` section of params.

Import from the modules themselves: the package imports nothing, so reading one piece does not load the
models of the others.
"""
