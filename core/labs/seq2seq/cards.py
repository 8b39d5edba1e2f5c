"""The deck's sequence-to-sequence cards, verbatim (a test checks each against the deck file)."""

from __future__ import annotations

CARDS: dict[str, tuple[str, str]] = {
    "encoder": ("What is the encoder’s job?",
                "To take an input sequence and output a context vector/thought vector"),
    "context": ("What is a context vector?", "The encoder’s final state"),
    "decoder": ("How does the decoder use the context vector on a high level?",
                "Well it converts it into an output sequence - e.g the translated sentence, or a reply of "
                "the input text etc"),
    "bidirectional": ("if the encoder is a bidirectional RNN, what is the value of the context vector for a "
                      "seq2seq model?", "The concatenation of both direction’s final hidden states"),
    "hidden_state": ("In an encoder each hidden state corresponds to what?", "An input word"),
    "diluted": ("What happens with longer sequences in our naive RNN seq2seq model?",
                "The signals from earlier inputs in the encoder get diluted as they are passed down to later "
                "elements in the decoder sequence"),
    "skip": ("One way to solve the long sequence signal dampening problem in a naive RNN sequence to "
             "sequence model?", "use skip-connections that feed every hidden state of the encoder RNN into "
             "every input of the decoder RNN (rather than just the encoder’s final hidden state being fed "
             "into the decoder’s initial state"),
    "correspondence": ("What is a key aspect of seq-to-seq models?",
                       "The correspondence is between the input sequence and the output sequence, not "
                       "between each individual input word and each individual output word. E.g one output "
                       "element could correspond two a combination of two input elements"),
    "two_models": ("Seq2seq models contain what two models?", "An encoder and a decoder"),
}
