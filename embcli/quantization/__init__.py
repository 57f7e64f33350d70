"""Quantization: the codecs (`codecs`, pure numpy, below the embeddings layer) and the `embcli quantize` stage (`stage`).

This package's `__init__` imports nothing, so the embeddings layer can read
quantized artifacts through `codecs` without pulling in the stage.
"""
