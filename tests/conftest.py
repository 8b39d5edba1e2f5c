"""Shared test settings: offline, deterministic."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# multi-threaded BLAS least squares ran 10-40x slower on a busy 2-core machine
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
