"""The prompt of LLM-instructed distortion (Section 3.1, Table 5), verbatim.

The original conversation is written in Guanaco style, then a second human turn asks the model to compress its
own answer into a cold, low-quality version, and the assistant turn is pre-filled so that the model only has to
write the draft after an opening quote. With probability 0.5 one of 24 distortion commands is put into that
pre-filled text.

Empty command: the paper's template reads "... to respond to your request. {Distortion} The following is ...";
the authors' code substitutes "" and leaves two spaces there. We write a single space instead, so the prompt
without a command reads as natural text; nothing else differs.
"""
from __future__ import annotations

import random

from ..prompts import chat_prompt

DISTORTION_REQUEST = (
    "Your reply's style, tone, and politeness are excellent, and the content is very detailed. However, now I "
    "would like you to summarize the previous response, keeping only the most crucial information and removing "
    "all other less important content. I want a concise, straightforward reply without any redundancy. If you "
    "find that the overall quality of your response dropped, don't worry, it's fine. Note that, please do not "
    "add anything after giving me your rewritten response."
)

ASSISTANT_PREFIX = (
    "Sure. I have rewritten my last response to a much shorter and more concise version, covering only the key "
    "information. I pretend to be a cold-hearted, non-talkative, socially inept robotic assistant to respond to "
    "your request. {distortion} The following is the as-short-as-possible, low-quality, highly-compressed, "
    "rewritten version of my previous response, and I will not add more content after finishing this "
    "response:\n\n\""
)

# Numbered 1..24 in the order of Table 5; DISTORTION_COMMANDS[k - 1] is command k.
DISTORTION_COMMANDS = (
    "Additionally, I have removed all the punctuation marks and capitalization in my response.",
    "To make my response more unnatural, I have added a little amount of typos and spelling mistakes.",
    "I have also added some grammatical errors to my response.",
    "Moreover, random words and sentences have been removed from my response.",
    "In addition, all letters in my response have been converted to uppercase.",
    "In addition, all letters in my response have been converted to lowercase.",
    "Furthermore, I have replaced certain words with their synonyms in my response.",
    "Additionally, I have inserted unnecessary repetition in my response.",
    "To make my response less coherent, I have rearranged the sentence structure.",
    "I have deliberately used incorrect tenses and verb conjugations in my response.",
    "Moreover, I have introduced unnecessary verbosity in my response.",
    "I make my response as short as possible by removing all unnecessary words and sentences.",
    "I have kept only the essential information and separated them by commas.",
    "I have removed any decorative formatting or styling, which may affect the readability of my response.",
    "I have rewritten the sentences and replaced words with their synonyms.",
    "I have reversed the order of sentences, presenting information from back to front.",
    "I made my response sounds more unprofessional and causual.",
    "Furthermore, I have made the language more complex and sophisticated in my response.",
    "To create ambiguity, I have added multiple interpretations in my sentences.",
    "Additionally, I have used unconventional metaphors and analogies in my response.",
    "To lower the quality of my response, I have added some irrelevant information.",
    "I picked one sentence from my response and repeated it multiple times, each time with a slight change.",
    "Now I use only five words to summarize my response.",
    "I made some modification to make my response less coherent and more unnatural.",
)


def choose_command(rng: random.Random, p_command: float = 0.5) -> int | None:
    """A command number 1..24 with probability `p_command` (uniform among the 24), else None.

    The draw order (one uniform, then one choice) follows the authors' code, so a seed picks the same commands.
    """
    if rng.random() < p_command:
        return rng.randrange(len(DISTORTION_COMMANDS)) + 1
    return None


def assistant_prefix(command: int | None) -> str:
    """The pre-filled assistant turn, with command `command` inserted (or none, with a single space)."""
    if command is None:
        return ASSISTANT_PREFIX.replace(" {distortion} ", " ")
    if not 1 <= command <= len(DISTORTION_COMMANDS):
        raise ValueError(f"command must be in 1..{len(DISTORTION_COMMANDS)} or None, got {command!r}")
    return ASSISTANT_PREFIX.replace("{distortion}", DISTORTION_COMMANDS[command - 1])


def distortion_prompt(instruction: str, response: str, command: int | None) -> str:
    """The full text a causal LM continues: the original exchange (Guanaco style, with the system message),
    the request, the pre-filled answer.

    It ends with an opening quote, so the model's draft is the text up to the closing quote. The LLM is
    text-only (Guanaco), so multi-modal samples go in without image tokens, as in the paper.
    """
    return (chat_prompt(instruction, response) + "\n"
            + chat_prompt(DISTORTION_REQUEST, assistant_prefix(command), system=False))


def sample_prompt(instruction: str, response: str, rng: random.Random,
                  p_command: float = 0.5) -> tuple[str, int | None]:
    """(prompt, command) with the command drawn as the paper does: `choose_command`, then `distortion_prompt`."""
    command = choose_command(rng, p_command)
    return distortion_prompt(instruction, response, command), command
