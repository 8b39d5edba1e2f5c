"""Reading plotted data back from an AppTest: chart specs, and plotly's base64 typed arrays."""

import base64
import json

import numpy as np
from streamlit.testing.v1 import AppTest


def charts(at: AppTest) -> list[dict]:
    """Every plotly chart of the run, as its figure spec."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def decode(values) -> np.ndarray:
    """Plotly serialises numpy arrays as {'dtype', 'bdata'[, 'shape']}; lists stay lists."""
    if isinstance(values, dict) and "bdata" in values:
        flat = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        shape = values.get("shape")
        return flat.reshape([int(x) for x in str(shape).split(",")]) if shape else flat
    return np.asarray(values)
