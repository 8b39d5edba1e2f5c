"""Security holes of issue 11, each reproduced first: pickle weights behind a safetensors index
(item 1) and folder probing through error messages (item 3)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from core.hf.sources import load_folder
from core.hf.weights import NotSafetensors, safetensors_header


def _pickled_copy(src: Path, dst: Path, shard: str) -> Path:
    """src with its weights moved into a pickle called `shard` behind a safetensors index."""
    shutil.copytree(src, dst)
    from safetensors.torch import load

    state = load((dst / "model.safetensors").read_bytes())
    (dst / "model.safetensors").unlink()
    torch.save(state, dst / shard)
    (dst / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {"total_size": 1}, "weight_map": {k: shard for k in state}}))
    return dst


def test_safe_folder_loads(tiny_gpt2_folder):
    m = load_folder(tiny_gpt2_folder)
    assert m.arch == "decoder" and m.capture("The dog ate").tokens[0] == "<s>"


@pytest.mark.parametrize("shard", ["pytorch_model.bin", "weights.txt", "tokenizer.model"])
def test_pickle_behind_a_safetensors_index_is_refused(tiny_gpt2_folder, tmp_path, shard):
    folder = _pickled_copy(tiny_gpt2_folder, tmp_path / "m", shard)
    with pytest.raises(ValueError, match=rf"maps weights to files that are not safetensors \({shard}\)"
                                         r".*refuses it"):
        load_folder(folder)
    # the owner of the file can still opt in (torch.load(weights_only=True))
    assert load_folder(folder, allow_pickle=True).capture("The dog").tokens


def test_pickle_renamed_model_safetensors_is_refused(tiny_gpt2_folder, tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(tiny_gpt2_folder, folder)
    from safetensors.torch import load

    state = load((folder / "model.safetensors").read_bytes())  # not mmapped: the file is rewritten
    torch.save(state, folder / "model.safetensors")
    with pytest.raises(ValueError, match=r"not safetensors \(model.safetensors\)"):
        load_folder(folder)


def test_index_pointing_outside_the_folder_is_refused(tiny_gpt2_folder, tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(tiny_gpt2_folder, folder)
    (tmp_path / "elsewhere.safetensors").write_bytes((folder / "model.safetensors").read_bytes())
    (folder / "model.safetensors").unlink()
    (folder / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {"total_size": 1}, "weight_map": {"wte.weight": "../elsewhere.safetensors"}}))
    with pytest.raises(ValueError, match="points outside its folder"):
        load_folder(folder)


def test_safetensors_header_reads_contents(tmp_path):
    good = tmp_path / "a.safetensors"
    save_file({"x": torch.arange(6.0).reshape(2, 3)}, str(good))
    assert safetensors_header(good)["x"]["shape"] == [2, 3]
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(good.read_bytes()[:-4])
    with pytest.raises(NotSafetensors, match=r"incomplete: its header describes \d+ bytes"):
        safetensors_header(cut)
    fake = tmp_path / "fake.safetensors"
    torch.save({"x": torch.zeros(3)}, fake)
    with pytest.raises(NotSafetensors, match="not a safetensors file"):
        safetensors_header(fake)


# ----------------------------------------------------------------------------- item 1: hub downloads

@pytest.fixture
def fake_hub(monkeypatch, tmp_path, tiny_gpt2_folder):
    """A local hub with a safe repo and a repo whose index maps weights to a pickle."""
    from huggingface_hub import constants

    from tests.core.fake_hub import FakeHub

    safe = {p.name: p.read_bytes() for p in tiny_gpt2_folder.iterdir() if p.is_file()}
    trap = _pickled_copy(tiny_gpt2_folder, tmp_path / "trap", "weights.txt")
    bad = {p.name: p.read_bytes() for p in trap.iterdir() if p.is_file()}
    bad["pytorch_model.bin"] = bad["weights.txt"]
    hub = FakeHub({"lab/safe": {**safe, "training_args.bin": b"pickle", "optimizer.pt": b"pickle"},
                   "lab/trap": bad})
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    yield hub
    hub.close()


def test_hub_download_fetches_safe_files_only(fake_hub):
    from core.hf.sources import load_hub

    m = load_hub("lab/safe")
    assert m.capture("The dog ate").tokens[0] == "<s>"
    fetched = fake_hub.fetched()
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= fetched
    assert not fetched & {"training_args.bin", "optimizer.pt"}


def test_hub_pickle_index_is_refused_before_any_weight_moves(fake_hub):
    from core.hf.sources import load_hub

    with pytest.raises(ValueError, match=r"maps weights to files that are not safetensors \(weights.txt\)"):
        load_hub("lab/trap")
    fetched = fake_hub.fetched()
    assert "model.safetensors.index.json" in fetched
    assert not fetched & {"weights.txt", "pytorch_model.bin"}


def test_hub_file_choice():
    from core.hf.hub import hub_files

    repo = ["config.json", "model.safetensors", "tokenizer.json", "vocab.txt", "merges.txt", "weights.txt",
            "pytorch_model.bin", "tf_model.h5", "rng_state.pth", "onnx/model.onnx", "tokenizer.model",
            "notes.txt", "flax_model.msgpack"]
    assert hub_files(repo) == ["config.json", "model.safetensors", "tokenizer.json", "vocab.txt",
                               "merges.txt"]
    assert "tokenizer.model" in hub_files([n for n in repo if n != "tokenizer.json"])
    assert "pytorch_model.bin" in hub_files(repo, allow_pickle=True)
