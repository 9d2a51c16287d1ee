"""`python -m pfutils.papermini`: write paper-mini's data (raw/) and models (models/paper-mini/), then
`python -m pfutils.profiles paper-mini && dvc repro` runs the paper profile's stages on them."""
import argparse
from pathlib import Path

from ..params import validate
from ..profiles import profile_params
from .models import write_models
from .release import Release, write_release


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw", type=Path, default=Path("raw"), help="where the released formats are written")
    parser.add_argument("--images", type=int, default=12, help="images per raw dataset's train split")
    parser.add_argument("--image-px", type=int, default=96, help="pixels on an image's long side")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = parser.parse_args(argv)
    params = validate(profile_params("paper-mini", args.params))
    write_release(Release(args.raw, n=args.images, image_px=args.image_px, seed=params.seed))
    write_models(params, args.raw)
    print(f"paper-mini: data in {args.raw}/, models in models/paper-mini/; "
          "now `python -m pfutils.profiles paper-mini && dvc repro`")


if __name__ == "__main__":
    main()
