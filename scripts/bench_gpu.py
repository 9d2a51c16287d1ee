"""Single-GPU scale benchmark of the paper's Flamingo on random weights: LoRA training tokens/s and MFU, and
batched rewriting decode new tokens/s (pfutils.benchmarks.gpu says exactly what is timed), each eagerly and
compiled, side by side (`eager`, `compiled`, and the compiled run's `speedup`).

    python scripts/bench_gpu.py                          # params.yaml + profiles/gpu-small.yaml (~1.1B LM)
    python scripts/bench_gpu.py --shape 7b --batch 4     # the same model around a LLaMA-7B-shaped LM
    CUDA_VISIBLE_DEVICES= python scripts/bench_gpu.py --shape tiny --device cpu --steps 2 \
        --compile-backend aot_eager                      # a CPU check of every code path

Results go to reports/bench/gpu_<device>.json (e.g. gpu_nvidia_h100_80gb_hbm3.json, gpu_cpu.json), one entry per
shape under "runs", so the runs of several shapes on one card sit side by side. MFU uses the dense bf16 peak
of an H100 SXM / H200 when the card is one of those, else `--peak-flops` (without it, MFU is left out).
A run that does not fit the card, or a compiled run that fails to compile, is recorded as an error and the
other runs still happen; the report is rewritten after each of the four measurements.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import torch

from pfutils.benchmarks.flops import H100_BF16_DENSE_PEAK_FLOPS, flamingo_flops
from pfutils.benchmarks.gpu import (
    SHAPES,
    build_bench_model,
    lora_training_throughput,
    rewriting_decode_throughput,
    shaped_config,
)
from pfutils.model.device import runtime_device, runtime_dtype
from pfutils.params import validate
from pfutils.profiles import deep_merge, read_yaml
from pfutils.storage import write_json


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def known_peak_flops(name: str) -> float | None:
    """The dense bf16 peak of the cards we know (H100 SXM, H200); None for others (H100 PCIe peaks lower)."""
    if "H200" in name or ("H100" in name and "PCIe" not in name):
        return H100_BF16_DENSE_PEAK_FLOPS
    return None


def measured(measure, compiled: bool, model, context: dict) -> dict:
    """`measure()`'s numbers, or the error that stopped it: running out of memory (any run), or any failure of a
    compiled run, so that a compiler problem never costs the eager numbers of the same run."""
    try:
        return measure()
    except Exception as error:
        out_of_memory = isinstance(error, torch.cuda.OutOfMemoryError)
        if not (out_of_memory or compiled):
            raise
        model.zero_grad(set_to_none=True)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        first_line = (str(error).splitlines() or [""])[0]
        return {**context, "error": f"{'out of memory' if out_of_memory else type(error).__name__}: {first_line}"}


def side_by_side(runs: dict[str, dict], rate: str) -> dict:
    """The eager and compiled runs so far, and the compiled one's speedup in `rate` (None until both have it)."""
    eager, compiled = runs.get("eager", {}).get(rate), runs.get("compiled", {}).get(rate)
    return {**runs, "speedup": compiled / eager if eager and compiled else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--profile", default="profiles/gpu-small.yaml",
                        help="overlay merged onto --params ('' for none)")
    parser.add_argument("--shape", choices=SHAPES, default="params",
                        help="params: the model as configured; 7b: LLaMA-7B-shaped LM; tiny: tiny towers (CPU check)")
    parser.add_argument("--device", choices=["cuda", "cpu"], default=runtime_device().type)
    parser.add_argument("--batch", type=int, default=8, help="training sequences per step")
    parser.add_argument("--context", type=int, default=1024, help="training tokens per sequence")
    parser.add_argument("--steps", type=int, default=10, help="timed training steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed training steps before them")
    parser.add_argument("--decode-batch", type=int, default=128)
    parser.add_argument("--prompt-tokens", type=int, default=256)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--compile-backend", default="inductor",
                        help="torch.compile backend of the compiled runs (aot_eager: a quick CPU check)")
    parser.add_argument("--peak-flops", type=float, help="the card's peak FLOPs/s (default: known H100/H200 peak)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="default: reports/bench/gpu_<device>.json")
    args = parser.parse_args(argv)

    if args.device != runtime_device().type:
        raise SystemExit(f"--device {args.device}: the trainer runs on {runtime_device().type} whenever it is "
                         "present; hide the GPUs (CUDA_VISIBLE_DEVICES=) for a CPU run")
    raw = read_yaml(args.params)
    source = str(args.params)
    if args.profile:
        raw = deep_merge(raw, read_yaml(Path(args.profile)))
        source += f" + {args.profile}"
    config = shaped_config(validate(raw, source).model, args.shape)
    device = torch.device(args.device)
    name = device_name(device)
    peak = args.peak_flops or known_peak_flops(name)

    model, tokenizer = build_bench_model(config, args.device, args.seed)
    counts = flamingo_flops(model, args.context)
    lm = model.base_lm.config
    run = {
        "shape": args.shape,
        "params": source,
        "dtype": str(runtime_dtype(device)).removeprefix("torch."),
        "model": {
            "lm_layers": lm.num_hidden_layers,
            "lm_hidden_size": lm.hidden_size,
            "xattn_blocks": len(model.gated_cross_attn_layers),
            "perceiver_latents": config.perceiver.num_latents,
            "lora_r": config.lora.r,
            "image_size": list(model.image_size),
            "lm_params": counts.lm_params,
            "lora_params": counts.lora_params,
            "xattn_params": counts.xattn_params,
            "per_image_params": counts.per_image_params,
            "params_per_token": counts.params_per_token,
        },
    }
    out = args.out or Path("reports/bench") / f"gpu_{re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_')}.json"
    label = Path(args.profile).stem if args.shape == "params" and args.profile else args.shape

    def decoding_run(backend):
        return lambda: rewriting_decode_throughput(model, tokenizer, args.decode_batch, args.prompt_tokens,
                                                   args.new_tokens, args.seed, backend)

    def training_run(backend):
        return lambda: lora_training_throughput(model, tokenizer, args.batch, args.context, args.steps, args.warmup,
                                                peak, args.seed, backend)

    # Decoding first: the compiled training run compiles the decoder layers in place, for good. The report is
    # rewritten after every measurement, so a run stopped half-way keeps what it measured.
    measurements = (("decoding", "new_tokens_per_s", decoding_run, {"batch_size": args.decode_batch}),
                    ("training", "tokens_per_s", training_run,
                     {"batch_size": args.batch, "context_length": args.context}))
    for part, rate, measure, context in measurements:
        runs = {}
        for way, backend in (("eager", None), ("compiled", args.compile_backend)):
            runs[way] = measured(measure(backend), backend is not None, model, context)
            run[part] = side_by_side(runs, rate)
            report = json.loads(out.read_text()) if out.exists() else {}
            report.update(device=name, torch=torch.__version__)
            report.setdefault("runs", {})[label] = run
            write_json(report, out)
    print(json.dumps(run, indent=1))
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
