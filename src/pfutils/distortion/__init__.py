"""Response distortion (Section 3.1): polite responses turned into raw-annotation-like drafts.

Polite Flamingo learns to rewrite a draft back into the polite original, so its training pairs need drafts
that look like the raw annotations it will meet later: terse, cold, lowercase, fragmentary. Three strategies:

- LLM-instructed distortion (`prompts`, `llm_hf`, `llm_emulator`, `commands`): a second turn asks an LLM to
  compress its answer, with one of 24 distortion commands half of the time. `hf` runs a real causal LM;
  `emulator` (tiny profile) carries out the same request and commands as text operations.
- Random text augmentations (`augment`): sentence drop/shuffle, nlpaug character and word noise.
- Retrieve captions & bounding boxes (`boxes`): a detailed description's draft is its captions and boxes.

`mix` assigns every sample a strategy in the paper's proportions and returns the distorted records, rejects
included. The LLM backend is chosen by parameter: `llm_distorter("hf" | "emulator", ...)`. `run` is stage 01's
job: the LLM chunks shared among processes (each with its own rng), resumable after a kill.
"""
from .augment import augment_text
from .boxes import BOXES_PREAMBLE, captions_and_boxes_text, distort_with_boxes
from .distorter import Distorter, Distortion, llm_distorter
from .llm_emulator import EmulatedDistorter, compress
from .mix import PAPER_MULTIMODAL_WEIGHTS, STRATEGIES, assign_strategies, distort_records, has_captions_and_boxes
from .prompts import DISTORTION_COMMANDS, choose_command, distortion_prompt, sample_prompt

__all__ = [
    "BOXES_PREAMBLE", "DISTORTION_COMMANDS", "PAPER_MULTIMODAL_WEIGHTS", "STRATEGIES", "Distorter", "Distortion",
    "EmulatedDistorter", "assign_strategies", "augment_text", "captions_and_boxes_text", "choose_command",
    "compress", "distort_records", "distort_with_boxes", "distortion_prompt", "has_captions_and_boxes",
    "llm_distorter", "sample_prompt",
]
