"""The LLM-instructed distortion prompt is the paper's (Table 5), word for word."""
import random
from collections import Counter

import pytest

from pfutils.distortion.prompts import (DISTORTION_COMMANDS, assistant_prefix, choose_command, distortion_prompt,
                                        sample_prompt)

# Copied from the paper (Table 5) and the authors' released prompt code, independently of the module.
PAPER_SYSTEM = ("A chat between a curious human and an artificial intelligence assistant. The assistant gives "
                "helpful, detailed, and polite answers to the user's questions.")
PAPER_HUMAN_TURN = (
    "Your reply's style, tone, and politeness are excellent, and the content is very detailed. However, now I would "
    "like you to summarize the previous response, keeping only the most crucial information and removing all other "
    "less important content. I want a concise, straightforward reply without any redundancy. If you find that the "
    "overall quality of your response dropped, don't worry, it's fine. Note that, please do not add anything after "
    "giving me your rewritten response.")
PAPER_PREFIX_BEFORE = ("Sure. I have rewritten my last response to a much shorter and more concise version, covering "
                       "only the key information. I pretend to be a cold-hearted, non-talkative, socially inept "
                       "robotic assistant to respond to your request.")
PAPER_PREFIX_AFTER = ("The following is the as-short-as-possible, low-quality, highly-compressed, rewritten version "
                      "of my previous response, and I will not add more content after finishing this response:\n\n\"")
PAPER_COMMANDS = [
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
]


def test_the_24_commands_are_the_papers_in_order():
    assert len(DISTORTION_COMMANDS) == 24
    assert list(DISTORTION_COMMANDS) == PAPER_COMMANDS


@pytest.mark.parametrize("command", [None, 1, 13, 24])
def test_prompt_is_the_guanaco_conversation_then_the_papers_turns(command):
    middle = " " if command is None else f" {PAPER_COMMANDS[command - 1]} "
    expected = (f"{PAPER_SYSTEM}\n### Human: What is in the image?\n### Assistant: Certainly! A red circle.\n"
                f"### Human: {PAPER_HUMAN_TURN}\n### Assistant: {PAPER_PREFIX_BEFORE}{middle}{PAPER_PREFIX_AFTER}")
    assert distortion_prompt("What is in the image?", "Certainly! A red circle.", command) == expected


def test_no_command_leaves_a_single_space_and_the_prompt_ends_with_an_open_quote():
    prefix = assistant_prefix(None)
    assert "  " not in prefix and "{distortion}" not in prefix
    assert prefix.endswith(':\n\n"')


def test_bad_command_number_fails_clearly():
    with pytest.raises(ValueError, match="1..24"):
        assistant_prefix(25)


def test_commands_are_drawn_half_of_the_time_uniformly_and_reproducibly():
    rng = random.Random(0)
    draws = [choose_command(rng) for _ in range(4800)]
    counts = Counter(draws)
    assert 0.46 < counts[None] / len(draws) < 0.54
    assert set(counts) - {None} == set(range(1, 25))
    assert all(60 < counts[k] < 150 for k in range(1, 25))
    replay = random.Random(0)
    assert [choose_command(replay) for _ in range(50)] == draws[:50]


def test_sample_prompt_reports_the_command_it_used():
    for seed in range(20):
        prompt, command = sample_prompt("Q?", "A.", random.Random(seed))
        assert prompt == distortion_prompt("Q?", "A.", command)
        if command is not None:
            assert PAPER_COMMANDS[command - 1] in prompt
