"""One transformers model construction at a time in this process.

`from_pretrained` in transformers 5 swaps process-wide functions while it builds a model
(`PreTrainedModel.tie_weights`, `init_weights` and torch's `nn.init.*` become no-ops, then are put
back). Two threads loading at once (two Streamlit sessions opening the app, or a conversion and a
load) can restore each other's no-op and leave it installed for good: from then on every tied
checkpoint (GPT-2, SmolLM2) loads without its output head ("lacks lm_head.weight") or with weights
left on the meta device. `pretrained(cls, ...)` holds a process-wide lock for the whole call.
"""

from __future__ import annotations

import threading
from typing import Any

LOAD_LOCK = threading.RLock()


def pretrained(cls: Any, *args: Any, **kwargs: Any) -> Any:
    """cls.from_pretrained(*args, **kwargs) with no other model construction running meanwhile."""
    with LOAD_LOCK:
        return cls.from_pretrained(*args, **kwargs)
