"""Two Streamlit sessions loading models at the same moment (a classroom opening the app).

transformers' from_pretrained swaps process-wide functions while it builds a model; two loads at
once used to leave `PreTrainedModel.tie_weights` a no-op for good, after which every tied
checkpoint loaded without its output head (CI: "lacks 1 weights ... lm_head.weight").
"""

import threading

from transformers import PreTrainedModel

from core import load_model


def test_loads_from_many_threads_at_once_all_succeed_and_leave_transformers_intact(tiny_gpt2_folder):
    tie_weights, init_weights = PreTrainedModel.tie_weights, PreTrainedModel.init_weights
    start, errors, models = threading.Barrier(6), [], []

    def session():
        start.wait()
        for _ in range(3):
            try:
                models.append(load_model(str(tiny_gpt2_folder)))
            except Exception as err:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(err))

    threads = [threading.Thread(target=session) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(models) == 18
    assert PreTrainedModel.tie_weights is tie_weights and PreTrainedModel.init_weights is init_weights
    head = models[-1].model.lm_head.weight
    assert head.data_ptr() == models[-1].model.transformer.wte.weight.data_ptr()  # still tied
    load_model(str(tiny_gpt2_folder))  # and a load after them still has its head
