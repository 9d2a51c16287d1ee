"""The prompt formats of the method (Guanaco style), in one place.

Clever Flamingo (chat): `{system}\n### Human: {instruction}\n### Assistant: {response}`; later turns of a
multi-turn sample carry no system message. Polite Flamingo (rewriter, Figure 3) adds the draft and asks for the
revision; the template is a parameter because the authors' released code spells it differently from the paper
(`### Assistent: (Drafted Response): ...`), and released checkpoints were trained with one of the two.
Images are marked with `<image>` at the start of the human turn that shows them, one per image.

Prompts end right after "### Assistant:" (or "(Revised Response)"); the response follows after one space. So
prompt and response tokenize the same apart as together (byte-level BPE attaches a space to the word after
it), which is what per-turn tokenization of the loss mask relies on.
"""
from __future__ import annotations

SYSTEM_MESSAGE = ("A chat between a curious human and an artificial intelligence assistant. "
                  "The assistant gives helpful, detailed, and polite answers to the user's questions.")
IMAGE_TOKEN = "<image>"
END_OF_CHUNK = "<|endofchunk|>"

REWRITER_TEMPLATES = {
    # Figure 3 of the paper.
    "paper": "{system}\n### Human: {instruction}\n### Assistant: (Drafted Response) {draft}\n(Revised Response)",
    # The original authors' inference helper (typo and colons included).
    "authors_code": "{system}\n### Human: {instruction}\n### Assistent: (Drafted Response): {draft}\n (Revised Response):",
}


def human_turn(instruction: str, n_images: int = 0) -> str:
    return f"### Human: {IMAGE_TOKEN * n_images}{instruction}\n### Assistant:"


def chat_prompt(instruction: str, response: str = "", n_images: int = 0, system: bool = True) -> str:
    """One chat turn; with `response=""` it is the prompt a model continues (ending in "### Assistant:")."""
    head = f"{SYSTEM_MESSAGE}\n" if system else ""
    return head + human_turn(instruction, n_images) + (f" {response}" if response else "")


def rewriter_prompt(instruction: str, draft: str, n_images: int = 0, template: str = "paper") -> str:
    """The Polite Flamingo prompt a model continues with " " + the revised response."""
    if template not in REWRITER_TEMPLATES:
        raise ValueError(f"unknown rewriter template {template!r}; known: {sorted(REWRITER_TEMPLATES)}")
    return REWRITER_TEMPLATES[template].format(system=SYSTEM_MESSAGE, instruction=IMAGE_TOKEN * n_images + instruction,
                                               draft=draft)
