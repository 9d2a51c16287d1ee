"""What every real-dataset loader shares: clear errors for missing downloads, and a collector of rows and rejects.

A loader reads one dataset in its released format and maps each record onto the project's one sample schema
(`pfutils.schema`). Real data has bad records (a missing image file, a field absent, a line that is not JSON); each
becomes a rejects entry `{"dataset", "id", "reason"}` and the load goes on, so a run over a million records is
never stopped, and never thins out silently, by one bad record. The reject `id` is the record's own id where the
format has one (else its line or position), so the record can be found in the released file.
"""
from __future__ import annotations

import hashlib
import json
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..schema import image_decode_error, sample

IMAGE_TOKEN = "<image>"
TURN_CHOICES = ("first", "all")


class Malformed(ValueError):
    """A record that does not follow its dataset's released format; the message is the reject reason."""


@dataclass(frozen=True)
class Download:
    """Where a dataset comes from, named in the error a missing file raises."""
    name: str
    url: str


def require(path: str | Path, what: str, source: Download) -> Path:
    """`path` as a Path if it exists; else a FileNotFoundError that says what to download and from where."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} not found: {path} (download {source.name} from {source.url})")
    return path


def read_json(path: str | Path, what: str, source: Download) -> Any:
    with open(require(path, what, source), encoding="utf-8") as f:
        return json.load(f)


def listed(records: Any, path: str | Path, what: str, id_field: str) -> list[tuple[str, Any]]:
    """(id, record) for a released JSON list of records; the position stands in for a missing id."""
    if not isinstance(records, list):
        raise ValueError(f"{path}: not a {what} (expected a JSON list of records)")
    return [(str(r[id_field]) if isinstance(r, dict) and id_field in r else f"record {i}", r)
            for i, r in enumerate(records)]


def read_jsonl(path: str | Path, what: str, source: Download, id_field: str | None = None
               ) -> Iterator[tuple[str, Any]]:
    """(id, record) per non-blank line, the id from `id_field` or else "line N"; a line that is not JSON comes as
    a Malformed record, so it is rejected."""
    with open(require(path, what, source), encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                yield f"line {number}", Malformed(f"invalid JSON: {error}")
                continue
            has_id = id_field is not None and isinstance(record, dict) and id_field in record
            yield (str(record[id_field]) if has_id else f"line {number}"), record


def choose(options: Sequence[str], key: str) -> str:
    """One of `options`, fixed by `key`: instructions vary across records like toyworld's templates, yet the same
    record always gets the same one, on every run and machine (crc32, unlike `hash`, is not salted per process)."""
    return options[zlib.crc32(key.encode()) % len(options)]


def answer_type(answer: str) -> str:
    """The schema's answer type of a real short answer: boolean or number where it is one, else "" (open)."""
    if answer.lower() in ("yes", "no", "true", "false"):
        return "boolean"
    return "number" if answer.isdigit() else ""


def majority(answers: Iterable[str]) -> str:
    """The most frequent answer (the first seen among ties), as VQA's multiple_choice_answer is chosen."""
    counts = Counter(answers)
    if not counts:
        raise Malformed("no answers")
    return counts.most_common(1)[0][0]


def strip_image_tokens(text: str) -> str:
    """A turn's text without `<image>` placeholders: the prompt puts one `<image>` per image of the sample itself
    (pfutils.prompts), so one left in the text would point at an image that is not there."""
    return text.replace(IMAGE_TOKEN, "").strip()


def check_turns(turns: str) -> str:
    """A bad `turns` option is the caller's mistake, not the record's: it raises before any record is read."""
    if turns not in TURN_CHOICES:
        raise ValueError(f"turns must be one of {list(TURN_CHOICES)}, got {turns!r}")
    return turns


def exchanges(turns: Any, keep: str, human: str = "human", assistant: str = "gpt") -> list[tuple[str, str]]:
    """(instruction, response) pairs of a dialogue: each human turn answered by the next assistant turn.

    The schema holds one exchange per sample (multi-turn samples are packed later, by augmentation), so a dialogue
    gives its first exchange (`keep="first"`: self-contained) or every exchange (`"all"`: later questions then
    lose the context of earlier ones). Turns of other roles (e.g. "system") are skipped.
    """
    if not isinstance(turns, list):
        raise Malformed("conversation is not a list of turns")
    pairs = []
    for question, answer in pairwise(turns):
        if question["from"] == human and answer["from"] == assistant:
            pairs.append((strip_image_tokens(question["value"]), strip_image_tokens(answer["value"])))
    if not pairs:
        raise Malformed(f"no {human} turn answered by a {assistant} turn")
    return pairs[:1] if keep == "first" else pairs


@lru_cache(maxsize=200_000)
def unreadable_image(path: str) -> str:
    """Why the image file at `path` cannot be decoded ("" when it can); each file is decoded once however many
    records use it (a GQA image serves dozens)."""
    error = image_decode_error(path)
    return f"unreadable image {path}: {error}" if error else ""


@dataclass
class Collector:
    """Rows of one dataset split, with ids "{dataset}/{split}/{index}", and the rejects met on the way."""
    dataset: str
    category: str
    split: str
    limit: int | None = None
    rows: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.limit is not None and len(self.rows) >= self.limit

    def reject(self, source_id: str, reason: str) -> None:
        self.rejects.append({"dataset": self.dataset, "id": str(source_id), "reason": reason})

    def add(self, source_id: str, images: Sequence[Path], **fields) -> None:
        """One row, unless an image file is missing or cannot be decoded, or a text is empty (then a reject)."""
        missing = [str(p) for p in images if not Path(p).is_file()]
        empty = [name for name in ("instruction", "response") if not fields.get(name, "").strip()]
        if missing:
            self.reject(source_id, f"missing image file {missing[0]}")
        elif empty:
            self.reject(source_id, f"empty {empty[0]}")
        elif unreadable := [reason for reason in (unreadable_image(str(p)) for p in images) if reason]:
            self.reject(source_id, unreadable[0])
        else:
            self.rows.append(sample(id=f"{self.dataset}/{self.split}/{len(self.rows)}", dataset=self.dataset,
                                    category=self.category, split=self.split, images=[str(p) for p in images],
                                    **fields))

    def collect(self, records: Iterable[tuple[str, Any]], rows_of: Callable[[Any], Iterable[tuple[list, dict]]]
                ) -> tuple[list[dict], list[dict]]:
        """Map (id, record) pairs with `rows_of` (record -> (image paths, fields) per row) until `limit` rows.

        Under a `limit` the records are taken in the order of the sha256 of their source id, so the rows kept are
        spread over the whole file rather than its head (released files are often sorted by class, image or
        question type: the head of ELEVATER's list is a few classes), and the same file always gives the same
        rows. A record that breaks the released format (a field missing or of the wrong type) is rejected with
        the reason, not raised: released files are large and a few records in them are always off.
        """
        if self.limit is not None:
            records = sorted(records, key=lambda pair: hashlib.sha256(str(pair[0]).encode()).digest())
        for source_id, record in records:
            if self.full:
                break
            try:
                if isinstance(record, Malformed):
                    raise record
                mapped = list(rows_of(record))
            except KeyError as error:
                self.reject(source_id, f"missing field {error}")
                continue
            except Malformed as error:
                self.reject(source_id, str(error))
                continue
            except (TypeError, ValueError, IndexError, AttributeError) as error:
                self.reject(source_id, f"{type(error).__name__}: {error}")
                continue
            for images, fields in mapped:
                if not self.full:
                    self.add(source_id, images, **fields)
        return self.rows, self.rejects


def hold_out(rows: list[dict], val: int, test: int) -> list[dict]:
    """`rows` of one train source with `val` of them moved to the val split and `test` more to the test split.

    Some sources are released as one file (LLaVA's detail_23k.json, UltraChat, ShareGPT), yet later stages read
    the val split of the slot it fills (the reward model's preference pairs) and its test split (held-out distorted
    pairs). The rows are ranked by the sha256 of their id, which no process salts (unlike `hash`): the first `val`
    go to val, the next `test` to test, the rest stay. So the same file and config always give the same disjoint
    partition, and the held-out rows are spread over the whole file, not its first or last records. A config's
    `limit` caps the rows read before this (`limit` + val + test of them, so `limit` rows stay in train), so it
    changes which rows are candidates. Each split keeps the file's order and is numbered anew, so ids stay
    "{dataset}/{split}/{index}".
    """
    if val + test > len(rows):
        raise ValueError(f"holdout: val {val} + test {test} rows asked, but the source gave only {len(rows)}")
    ranked = sorted(range(len(rows)), key=lambda i: hashlib.sha256(rows[i]["id"].encode()).digest())
    moved = {i: "val" for i in ranked[:val]} | {i: "test" for i in ranked[val:val + test]}
    numbers, out = Counter(), []
    for i, row in enumerate(rows):
        split = moved.get(i, row["split"])
        out.append({**row, "split": split, "id": f"{row['dataset']}/{split}/{numbers[split]}"})
        numbers[split] += 1
    return out
