"""The Hugging Face adapter: the instrumented attention function (attention), the loaded-model
wrappers (wrappers), where models come from (sources), text encoding (text), token display
(tokens) and the from-scratch twin of MiniLM (twin)."""
