"""The one sample schema every dataset of the project is stored in (Hugging Face `datasets`, Arrow on disk).

It holds the paper's real datasets as well as toyworld's: several images per sample (change captioning,
two-image statements), COCO boxes and captions, A-OKVQA choices and rationales, ELEVATER knowledge. Fields a
dataset does not have stay empty ("" or []). `scene` is toyworld's exact ground truth (a JSON list with one
scene graph per image); it is "" for real data.

| field        | meaning                                                                              |
|--------------|--------------------------------------------------------------------------------------|
| id           | unique: "{dataset}/{split}/{index}"                                                  |
| dataset      | source dataset name, e.g. "vqav2_like" or "vqav2"                                    |
| category     | captioning, classification, change_captioning, vqa_rationale, vqa_short,             |
|              | polite_multimodal, polite_text, heldout_vqa, heldout_multi_image                     |
| task         | the question or text family (e.g. "count_shape", "detailed_description")            |
| split        | train, val or test                                                                   |
| images       | list of images; the i-th `<image>` of a prompt is the i-th image                     |
| instruction  | the human turn                                                                       |
| response     | the annotation: raw for raw datasets, polite for the teacher sources                 |
| answer       | short gold answer of a question ("" when none)                                       |
| answer_type  | colour, shape, size, number, boolean or choice ("" when no answer)                   |
| choices      | multiple-choice options                                                              |
| rationale    | the annotator's explanation of the answer                                            |
| knowledge    | external knowledge attached to the sample (ELEVATER)                                 |
| captions     | short captions of the image (COCO: five)                                             |
| boxes        | labelled boxes, normalised (x1, y1, x2, y2) in [0, 1]                                |
| scene        | toyworld scene graphs as JSON, one per image ("" for real data)                      |
"""
import io

import datasets
import PIL.Image

CATEGORIES = ("captioning", "classification", "change_captioning", "vqa_rationale", "vqa_short",
              "polite_multimodal", "polite_text", "heldout_vqa", "heldout_multi_image")
RAW_CATEGORIES = CATEGORIES[:5]
ANSWER_TYPES = ("", "colour", "shape", "size", "number", "boolean", "choice")

BOX = {"label": datasets.Value("string"), "x1": datasets.Value("float32"), "y1": datasets.Value("float32"),
       "x2": datasets.Value("float32"), "y2": datasets.Value("float32")}

FEATURES = datasets.Features({
    "id": datasets.Value("string"),
    "dataset": datasets.Value("string"),
    "category": datasets.Value("string"),
    "task": datasets.Value("string"),
    "split": datasets.Value("string"),
    "images": datasets.List(datasets.Image()),
    "instruction": datasets.Value("string"),
    "response": datasets.Value("string"),
    "answer": datasets.Value("string"),
    "answer_type": datasets.Value("string"),
    "choices": datasets.List(datasets.Value("string")),
    "rationale": datasets.Value("string"),
    "knowledge": datasets.Value("string"),
    "captions": datasets.List(datasets.Value("string")),
    "boxes": datasets.List(BOX),
    "scene": datasets.Value("string"),
})

EMPTY = {"task": "", "instruction": "", "response": "", "answer": "", "answer_type": "", "choices": [],
         "rationale": "", "knowledge": "", "captions": [], "boxes": [], "scene": "", "images": []}


def sample(**fields) -> dict:
    """A record with every schema field: the given ones, empty defaults for the rest; unknown fields fail."""
    unknown = set(fields) - set(FEATURES)
    if unknown:
        raise KeyError(f"not in the sample schema: {sorted(unknown)}")
    return {**EMPTY, **fields}


def dataset_from_rows(rows: list[dict], features: datasets.Features) -> datasets.Dataset:
    """`Dataset.from_list`, also for no rows (from_list cannot type an empty list)."""
    if not rows:
        return datasets.Dataset.from_dict({name: [] for name in features}, features=features)
    return datasets.Dataset.from_list(rows, features=features)


STORED_IMAGES = datasets.List(datasets.Image(decode=False))


def undecoded(ds: datasets.Dataset) -> datasets.Dataset:
    """`ds` with its images as stored ({"bytes", "path"}: a file's path, or the encoded bytes), not decoded: rows
    read from it are small, so a stage can hold a million of them and decode one batch at a time (`decoded`)."""
    return ds.cast_column("images", STORED_IMAGES)


def decoded(image) -> PIL.Image.Image:
    """A decoded image from a stored one (as `undecoded` rows hold it), decoded as `datasets` decodes it; a PIL
    image is returned as it is."""
    if isinstance(image, PIL.Image.Image):
        return image
    return datasets.Image().decode_example(image)


def image_decode_error(image: str | bytes) -> str:
    """Why an image (a file path, or its stored bytes) cannot be decoded, "" when it can. A truncated or corrupt
    file opens fine, so only decoding every pixel finds it."""
    try:
        with PIL.Image.open(io.BytesIO(image) if isinstance(image, bytes) else image) as decoded:
            decoded.load()
    except Exception as error:  # PIL raises many types on corrupt data; the caller rejects the sample
        return f"{type(error).__name__}: {error}"
    return ""
