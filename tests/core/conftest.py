"""Fixtures for the HF adapter tests: tiny random transformers models and tokenizers, built
from configs in memory (no downloads), and the real packaged MiniLM."""

from __future__ import annotations

import pytest
import torch

CORPUS = [
    "The dog ate the cat.", "The cat sat on the mat, and the dog barked.",
    "Attention is all you need.", "Transformers make attention visible.",
    "A quick brown fox jumps over the lazy dog.", "Positional encodings tell word order.",
] * 3


@pytest.fixture(scope="session")
def bpe_tokenizer():
    """A byte-level BPE tokenizer (GPT-2 style, ~300 pieces) that adds <s> ... </s>."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=320, special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>", unk_token="<unk>")


@pytest.fixture(scope="session")
def minilm_folder():
    from core.load import minilm_path

    return minilm_path()


@pytest.fixture(scope="session")
def wordpiece_tokenizer(minilm_folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_folder, local_files_only=True)


def _tiny(kind: str, vocab: int):
    import transformers as tf

    torch.manual_seed(0)
    if kind == "bert":
        model = tf.BertModel(tf.BertConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2,
                                           num_attention_heads=4, intermediate_size=37,
                                           max_position_embeddings=64))
    elif kind == "gpt2":
        model = tf.GPT2LMHeadModel(tf.GPT2Config(vocab_size=vocab, n_embd=32, n_layer=2, n_head=4,
                                                 n_positions=64, bos_token_id=0, eos_token_id=2))
    elif kind == "llama":
        model = tf.LlamaForCausalLM(tf.LlamaConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2,
                                                   num_attention_heads=4, num_key_value_heads=2,
                                                   intermediate_size=37, max_position_embeddings=64,
                                                   bos_token_id=0, eos_token_id=2, pad_token_id=1))
    elif kind == "bart":
        model = tf.BartForConditionalGeneration(tf.BartConfig(
            vocab_size=vocab, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
            decoder_attention_heads=4, encoder_ffn_dim=37, decoder_ffn_dim=37, max_position_embeddings=64,
            bos_token_id=0, pad_token_id=1, eos_token_id=2, decoder_start_token_id=2))
    elif kind == "t5":
        model = tf.T5ForConditionalGeneration(tf.T5Config(vocab_size=vocab, d_model=32, d_kv=8, d_ff=37,
                                                          num_layers=2, num_heads=4, pad_token_id=1,
                                                          eos_token_id=2, decoder_start_token_id=1))
    else:
        raise ValueError(kind)
    return model.eval()


@pytest.fixture(scope="session")
def tiny_models(bpe_tokenizer, wordpiece_tokenizer):
    """kind -> (fresh model factory, tokenizer)."""
    def factory(kind: str):
        tok = wordpiece_tokenizer if kind == "bert" else bpe_tokenizer
        return _tiny(kind, len(tok)), tok
    return factory


@pytest.fixture(scope="session")
def minilm():
    from core import load_model

    return load_model("minilm")


@pytest.fixture(scope="session")
def minilm_scratch():
    from core import load_model

    return load_model("minilm-scratch")


@pytest.fixture(scope="session")
def tiny_gpt2_folder(tmp_path_factory, tiny_models):
    """A complete, safe tiny GPT-2 folder (config.json, model.safetensors, tokenizer files)."""
    model, tok = tiny_models("gpt2")
    folder = tmp_path_factory.mktemp("tiny-gpt2")
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder
