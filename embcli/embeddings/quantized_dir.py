"""The `quantized` artifact (what `embcli quantize` writes), read back as float32 `Embeddings`.

The codes are dequantized once, here (`embcli.quantization.codecs`): at
vocabulary sizes that fit a machine this is simplest and makes every consumer
exact with respect to the stored codes. A hashed model's bucket layout and the
corpus's tokenizer carry over from the source vectors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import MANIFEST_NAME, artifact_member, load_npy
from embcli.corpus.vocabulary import read_vocabulary
from embcli.embeddings.core import Embeddings
from embcli.embeddings.npy_format import VOCAB_NAME
from embcli.embeddings.resolvers import SubwordResolver, hash_bucket_resolver, subword_layout
from embcli.embeddings.tokenizer_settings import read_tokenizer_spec
from embcli.embeddings.vectors_dir import member
from embcli.errors import FormatError
from embcli.quantization.codecs import CODEBOOKS_NAME, CODES_NAME, SCALES_NAME, decode_arrays
from embcli.quantization.subword_codes import NGRAM_FILES, EncodedRows

QUANTIZED_KIND = "quantized"
ARRAYS = {"int8": (CODES_NAME, SCALES_NAME), "pq": (CODES_NAME, CODEBOOKS_NAME)}


def load_quantized_directory(directory: Path, manifest: dict[str, Any], mmap: bool = True) -> Embeddings:
    """Read a `quantized` directory into float32 Embeddings."""
    method = manifest.get("method")
    needed = ARRAYS.get(str(method))
    if needed is None:
        raise FormatError(f"{directory / MANIFEST_NAME}: unknown quantization method {method!r}; upgrade embcli")
    arrays = {name: load_npy(member(directory, manifest, name.removesuffix(".npy"), name),
                             remedy="re-run embcli quantize") for name in needed}
    check_arrays(directory, str(method), arrays)
    vocab = read_vocabulary(member(directory, manifest, "vocab", VOCAB_NAME))
    vectors = decode_arrays(str(method), arrays)
    resolver = quantized_subword_resolver(directory, manifest, mmap) or hash_bucket_resolver(vocab.tokens, manifest)
    return Embeddings(vocab.tokens, vectors, vocab.counts, manifest=manifest, source=str(directory), resolver=resolver,
                      tokenizer_spec=read_tokenizer_spec(directory, manifest))


def quantized_subword_resolver(directory: Path, manifest: dict[str, Any], mmap: bool) -> SubwordResolver | None:
    """A quantized fastText model's unseen-word resolver: n-gram rows decoded from their codes as words ask for them."""
    section = manifest.get("subwords")
    if not section:
        return None
    if not isinstance(section, dict) or not isinstance(section.get("quantized"), dict):
        raise FormatError(f"{directory / MANIFEST_NAME}: the subwords section has no quantized table of n-gram "
                          f"codes; re-run embcli quantize")
    buckets, minn, maxn = subword_layout(section, f"{directory / MANIFEST_NAME}: subwords")
    method = section["quantized"].get("method")
    if method not in NGRAM_FILES:
        raise FormatError(f"{directory / MANIFEST_NAME}: unknown n-gram quantization {method!r}; upgrade embcli")
    arrays = {name: load_npy(artifact_member(directory, name, "subwords.quantized.files"), mmap=mmap,
                             remedy="re-run embcli quantize") for name in NGRAM_FILES[method]}
    rows = EncodedRows(method, arrays)
    problem = rows.check()
    if problem or rows.shape[0] != buckets:
        raise FormatError(f"{directory}: the n-gram codes do not fit the manifest ({problem or f'{rows.shape[0]} rows'}); "
                          f"re-run embcli quantize")
    return SubwordResolver(rows, minn, maxn)


def check_arrays(directory: Path, method: str, arrays: dict[str, np.ndarray]) -> None:
    codes = arrays[CODES_NAME]
    if method == "int8":
        scales = arrays[SCALES_NAME]
        if codes.dtype != np.int8 or codes.ndim != 2 or scales.dtype.kind != "f" \
                or scales.shape not in ((codes.shape[0],), (codes.shape[1],)):
            raise FormatError(f"{directory}: int8 codes {codes.shape} {codes.dtype} and scales {scales.shape} "
                              f"do not fit together; re-run embcli quantize")
        return
    codebooks = arrays[CODEBOOKS_NAME]
    if (codes.dtype != np.uint8 or codes.ndim != 2 or codebooks.ndim != 3 or codebooks.dtype.kind != "f"
            or codebooks.shape[0] != codes.shape[1]
            or (codes.size and int(codes.max()) >= codebooks.shape[1])):
        raise FormatError(f"{directory}: PQ codes {codes.shape} {codes.dtype} and codebooks {codebooks.shape} "
                          f"do not fit together; re-run embcli quantize")
