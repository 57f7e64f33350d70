"""Word embeddings: the `Embeddings` type, unseen-word resolvers, file formats, one loader.

Modules, bottom up: `core` (`Embeddings`, the `UnseenWordResolver` interface),
`resolvers` (fastText n-grams, hash buckets), `tokenizer_settings` (the
corpus's tokenizer recorded in the artifact), the formats (`npy_format`,
`text_format`, `binary_format`, `vectors_dir`, `quantized_dir`), `registry`
(readers by artifact kind and by sniffed file format) and `loading`
(`load_embeddings`).
"""

from embcli.embeddings.core import Embeddings, UnseenWordResolver
from embcli.embeddings.loading import load_embeddings
from embcli.embeddings.resolvers import HashBucketResolver, SubwordResolver

__all__ = ["Embeddings", "HashBucketResolver", "SubwordResolver", "UnseenWordResolver", "load_embeddings"]
