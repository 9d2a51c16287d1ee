"""Throughput and MFU measurement at GPU scale (scripts/bench_gpu.py); the CPU generation benchmark is model/bench.py."""
