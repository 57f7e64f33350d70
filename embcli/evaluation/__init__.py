"""Evaluation of word vectors: similarity and analogy test sets, neighbours.

Modules: `datasets` (file readers and the bundled suite), `lookup`
(case-insensitive vocabulary restricted to the most frequent words),
`similarity`, `analogy` (batched 3CosAdd/3CosMul; kernel in `kernels`),
`neighbors` (quick inspection), `report` (the `embcli eval` stage) and
`quantization_drop` (scores before and after quantizing, for `embcli quantize`).
"""
