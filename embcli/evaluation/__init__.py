"""Evaluation of word vectors: similarity and analogy test sets, neighbours.

Modules: `datasets` (file readers and the bundled suite), `lookup`
(case-insensitive vocabulary restricted to the most frequent words),
`similarity`, `analogy` (batched 3CosAdd/3CosMul in numpy), `neighbors`
(queries as users type them, answered in batches), `report` (scores and the
table), `stage` (the `embcli eval` stage as one call) and
`quantization_drop` (scores before and after quantizing, for `embcli quantize`).
"""
