"""The prompt formats of the method (Guanaco style), in one place.

Clever Flamingo (chat): `{system}\n### Human: {instruction}\n### Assistant: {response}`; later turns of a
multi-turn sample carry no system message. Polite Flamingo (rewriter, Figure 3) adds the draft and asks for the
revision; the template is a parameter because the authors' released code spells it differently from the paper
(`### Assistent: (Drafted Response): ...`), and released checkpoints were trained with one of the two.
Images are marked in the human turn that shows them, one mark per image, in one of two layouts
(`MEDIA_LAYOUTS`, chosen by the model's behaviour, `pfutils.model.behaviour`): `before_instruction` puts `<image>`
before the instruction (a model that lets text attend to the latest preceding image sees it while reading the
instruction); `after_instruction` is the original authors' layout, `{instruction}<image><|endofchunk|>` (the
OpenFlamingo v1 masking lets text attend to the *next* image, so the instruction reads the image after it).

Prompts end right after "### Assistant:" (or "(Revised Response)"); the response follows after one space.

The instruction lists are here too: raw annotations carry no instruction, so every source (toyworld's and the
real datasets' loaders alike) pairs each with one drawn from the list of its task.
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


MEDIA_LAYOUTS = ("before_instruction", "after_instruction")


# Instructions per task of the raw sources (LLaVA's detail-23k list for detailed descriptions, Section 4.1).
DETAIL_INSTRUCTIONS = (
    "Describe the following image in detail.",
    "Provide a detailed description of the given image.",
    "Give an elaborate explanation of the image you see.",
    "Share a comprehensive rundown of the presented image.",
    "Offer a thorough analysis of the image.",
    "Explain the various aspects of the image before you.",
    "Clarify the contents of the displayed image with great detail.",
    "Characterize the image using a well-detailed description.",
    "Break down the elements of the image in a detailed manner.",
    "Walk through the important details of the image.",
)
CAPTION_INSTRUCTIONS = ("Write a short caption for the image.", "A short image caption:", "Briefly describe the image.")
PARAGRAPH_INSTRUCTIONS = ("Describe the image.", "Write a paragraph about this image.")
ALT_INSTRUCTIONS = ("Write a caption for this picture.", "What is in this image?")
CHANGE_INSTRUCTIONS = ("What is different between the two images?",
                       "Describe the changes from the first image to the second.",
                       "Spot the difference between these two pictures.")


def with_images(instruction: str, n_images: int, layout: str = "before_instruction") -> str:
    """The instruction with its images marked in `layout` (see the module docstring)."""
    if layout == "before_instruction":
        return IMAGE_TOKEN * n_images + instruction
    if layout == "after_instruction":
        return instruction + (IMAGE_TOKEN + END_OF_CHUNK) * n_images
    raise ValueError(f"unknown media layout {layout!r}; known: {MEDIA_LAYOUTS}")


def human_turn(instruction: str, n_images: int = 0, layout: str = "before_instruction") -> str:
    return f"### Human: {with_images(instruction, n_images, layout)}\n### Assistant:"


def chat_prompt(instruction: str, response: str = "", n_images: int = 0, system: bool = True,
                layout: str = "before_instruction") -> str:
    """One chat turn; with `response=""` it is the prompt a model continues (ending in "### Assistant:")."""
    head = f"{SYSTEM_MESSAGE}\n" if system else ""
    return head + human_turn(instruction, n_images, layout) + (f" {response}" if response else "")


def rewriter_prompt(instruction: str, draft: str, n_images: int = 0, template: str = "paper",
                    layout: str = "before_instruction") -> str:
    """The Polite Flamingo prompt a model continues with " " + the revised response."""
    if template not in REWRITER_TEMPLATES:
        raise ValueError(f"unknown rewriter template {template!r}; known: {sorted(REWRITER_TEMPLATES)}")
    return REWRITER_TEMPLATES[template].format(system=SYSTEM_MESSAGE,
                                               instruction=with_images(instruction, n_images, layout), draft=draft)
