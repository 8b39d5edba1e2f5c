"""Catalogue entries of the seq2seq lab and the "Inside the blocks" pages (ui/catalog.py adds them
to VIEWS). One tuple per figure: (name, title, description, page, builder, deep-link params,
drawn from the sidebar sentence). Params are the URL keys each page mirrors through ui.state.
Descriptions are what `suggest` compares a card with: they say, in a card's words, what the
figure answers.
"""

from __future__ import annotations

from ui import catalog_figures_blocks as cb
from ui import catalog_figures_seq2seq as cs

ATTENTION, TRANSFORMER, CONTEXT = ({"s2s_model": k} for k in ("attention", "transformer", "context"))
ANATOMY = {"alayer": cb.ANATOMY_LAYER, "atok": cb.ANATOMY_TOKEN}
SMOLLM2, REVERSER = {"dkind": "smollm2"}, {"dkind": "reverser", "dslayer": cb.REVERSER_LAYER}

LAB_ENTRIES: list[tuple] = [
    # the seq2seq lab: four translation models trained here
    ("s2s.next_word", "The decoder writes the next word",
     "A seq2seq decoder translating English to French writes one word per step: the probability of "
     "each next French word, and of the end-of-sentence token, at the first step.",
     "seq2seq", cs.s2s_next_word, ATTENTION),
    ("s2s.eos_step", "The decoder chooses end of sentence",
     "The last step of decoding a translation: the decoder outputs the end-of-sentence token <eos> "
     "instead of a next French word, and the output sequence stops.",
     "seq2seq", cs.s2s_eos_step, ATTENTION),
    ("s2s.cross_row", "Where one decoding step looks in the source",
     "Cross-attention of one decoder step over the English source words: an attention decoder looks "
     "back at every encoder hidden state instead of only the final context vector.",
     "seq2seq", cs.s2s_cross_row, ATTENTION),
    ("s2s.self_row", "The decoder reads what it already wrote",
     "Causal self-attention of a transformer decoder: it takes the French words it has written so far "
     "as input and predicts the next word or the end-of-sentence token.",
     "seq2seq", cs.s2s_self_row, TRANSFORMER),
    ("s2s.alignment", "Alignment: which input words each output word comes from",
     "Attention weights of a trained encoder-decoder beside the true alignment of an English to French "
     "translation: adjectives move after the noun, one word becomes two (does not → ne … pas); the "
     "correspondence is between the sequences, not word for word.",
     "seq2seq", cs.s2s_alignment, ATTENTION),
    ("s2s.alignment_transformer", "Transformer cross-attention against the true alignment",
     "Encoder-decoder cross-attention of a small transformer trained to translate English to French, "
     "mean of its heads, beside the true word alignment.",
     "seq2seq", cs.s2s_alignment_transformer, TRANSFORMER),
    ("s2s.by_length", "Long sentences: one context vector is not enough",
     "Translation accuracy against sentence length for four seq2seq models: an RNN encoder-decoder that "
     "passes only one fixed-size context vector falls behind attention on long sentences, because the "
     "signals from early input words get diluted.",
     "seq2seq", cs.s2s_by_length),
    ("s2s.gradient_init", "Gradient reaching each source word, untrained",
     "How much gradient of the first output word reaches each input word, by position, before training: "
     "through the encoder's final state it fades with distance; attention, a skip connection from every "
     "encoder hidden state to the decoder, reaches every word in one hop.",
     "seq2seq", cs.s2s_gradient_init),
    ("s2s.gradient_trained", "Gradient reaching each source word, trained",
     "Gradient of the first output word's loss with respect to each source word after training, for a "
     "context-vector RNN, a bidirectional RNN, an attention RNN and a transformer: long-range signal "
     "dampening and how attention cures it.",
     "seq2seq", cs.s2s_gradient_trained),
    ("s2s.context_vector", "The context vector",
     "The context vector of an RNN seq2seq model: the encoder's final hidden state, one fixed-size "
     "summary of the input sentence (a thought vector) that the encoder hands to the decoder.",
     "seq2seq", cs.s2s_context_vector, CONTEXT),
    ("s2s.bicontext_vector", "The context vector of a bidirectional encoder",
     "With a bidirectional RNN encoder, the context vector is the concatenation of the forward and the "
     "backward direction's final hidden states.",
     "seq2seq", cs.s2s_bicontext_vector, {"s2s_model": "bicontext"}),
    ("s2s.context_cloud", "Context vectors of many sentences",
     "The encoder's context vectors of hundreds of sentences projected to 2-D with PCA, coloured by "
     "sentence length: what a single vector keeps of its input sequence.",
     "seq2seq", cs.s2s_context_cloud, CONTEXT),
    ("s2s.curves", "Training four seq2seq models",
     "Training loss of four sequence to sequence translation models with the same data and budget: GRU "
     "with a context vector, bidirectional GRU, GRU with attention, transformer encoder-decoder.",
     "seq2seq", cs.s2s_curves),
    # sequence transduction: the three RNN shapes
    ("transduction.vec2seq", "Vector to sequence: image captioning",
     "An RNN unrolled over time that turns one vector, an image, into a sequence of words: labelling "
     "images with a text description.",
     "transduction", cs.trans_vec2seq, {"tshape": "vector→sequence"}),
    ("transduction.seq2vec", "Sequence to vector: sentiment analysis",
     "An RNN reads a sequence of words, a movie review, and outputs one vector of probabilities saying "
     "how good or bad the movie was: sentiment analysis.",
     "transduction", cs.trans_seq2vec, {"tshape": "sequence→vector"}),
    ("transduction.seq2seq", "Sequence to sequence: encoder and decoder RNNs",
     "Sequence transduction, any task that transforms an input sequence into an output sequence such as "
     "language translation: an encoder RNN with a hidden state as memory reads the input, a decoder RNN "
     "writes the output; RNNs are feed-forward networks unrolled over time.",
     "transduction", cs.trans_seq2seq, {"tshape": "sequence→sequence"}),
    ("transduction.readout", "The vector a sentiment RNN outputs",
     "The output of a sequence to vector RNN: a softmax vector [good, bad] for a review, like [.90, .10].",
     "transduction", cs.trans_readout, {"tshape": "sequence→vector"}),
    # inside a block: one sentence through one encoder layer
    ("anatomy.steps", "Every step of an encoder block",
     "What an encoder block is made of, step by step for a sentence: word embedding plus positional "
     "encoding, multi-head attention, output projection, residual add, LayerNorm, feed-forward layer; "
     "the size of every word's vector at each step.",
     "anatomy", cb.anatomy_steps, ANATOMY, True),
    ("anatomy.follow", "One word's vector through the block",
     "Follow one word's vector with its positional information through an encoder block: its norm and "
     "similarity to the input after the attention layer, the residual connections and the feed-forward "
     "layer.",
     "anatomy", cb.anatomy_follow, ANATOMY, True),
    ("anatomy.heads", "What the multi-head attention layer outputs",
     "The attention vectors of every head for one word, weighted sums of value vectors, concatenated and "
     "projected by W_O: the output of the multi-head attention layer of an encoder block.",
     "anatomy", cb.anatomy_heads, ANATOMY, True),
    ("anatomy.ffn", "The feed-forward layer, one position at a time",
     "The feed-forward sublayer applies the same weights to every token's vector on its own: it "
     "transforms each attention output into the input of the next encoder or decoder block.",
     "anatomy", cb.anatomy_ffn, ANATOMY, True),
    # the decoder side
    ("decoder.next_tokens", "Next-token predictions at every position",
     "A decoder-only language model (SmolLM2) reads the shifted input and outputs, at every position, "
     "probabilities for the next token over its whole vocabulary: the top 10.",
     "decoder", cb.decoder_next_tokens, SMOLLM2),
    ("decoder.causal_mask", "The causal mask",
     "The causal mask of a decoder: each position attends only to itself and earlier tokens, never to "
     "the words that come after it.",
     "decoder", cb.decoder_causal_mask, SMOLLM2),
    ("decoder.generation", "Generating until the end-of-sequence token",
     "A language model generates one token at a time, feeding each output back in as input, until it "
     "emits its end-of-sequence token; what each new token attends to.",
     "decoder", cb.decoder_generation, SMOLLM2),
    ("decoder.reverser_cross", "Cross-attention of a tiny encoder-decoder",
     "A small transformer encoder-decoder that reverses a list of words: at each output step the "
     "decoder's cross-attention over the encoder's outputs.",
     "decoder", cb.reverser_cross, REVERSER),
    ("decoder.reverser_self", "Decoder self-attention while generating",
     "The decoder of a tiny encoder-decoder attends to the words it has output so far, step by step, "
     "until the end token.",
     "decoder", cb.reverser_self, REVERSER),
    # embedding space
    ("emb.vector", "A word is a vector",
     "Embedding space maps a word such as dog to a vector of numbers [0.22, 0.73, …]: the first values "
     "of its word embedding (MiniLM's table, standing in for GloVe).",
     "embeddings", cb.emb_vector, {"eword": cb.WORD}),
    ("emb.nearest", "Nearest words in embedding space",
     "The nearest neighbours of a word by cosine similarity between word vectors: words of similar "
     "meaning have close embeddings (dog, dogs, puppy).",
     "embeddings", cb.emb_nearest, {"eword": cb.WORD, "ek": cb.NEIGHBOURS}),
    ("emb.analogy", "Word vector analogies",
     "Arithmetic on word vectors: king − man + woman ≈ queen? Analogies in an embedding space, as "
     "GloVe and word2vec made famous.",
     "embeddings", cb.emb_analogy, dict(zip(("ea", "eb", "ec"), cb.ANALOGY))),
    ("emb.pca", "A map of word vectors",
     "Word embeddings projected to 2-D with PCA: animals, vehicles and cities form groups; GloVe-like "
     "vector representations for words learned without labels.",
     "embeddings", cb.emb_pca),
    ("emb.sentences", "Sentence embeddings",
     "A whole sentence as one vector (mean pooling of MiniLM's outputs): cosine similarity between "
     "sentences; a transformer doing sequence to vector.",
     "embeddings", cb.emb_sentences),
]
