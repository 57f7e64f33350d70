"""Co-occurrence counting: a token-id corpus in, a sorted word-word matrix out, in bounded memory.

The package's modules, bottom up:

- `keys`: the cell-key layout and exact integer weights every engine counts with (`CellLayout`);
- `planning`: id range checks, chunks of sentences and the memory cap shared out;
- `external_sort`: sorted runs kept in memory or spilled to disk, merged in bounded blocks;
- `matrix`: the artifact (`rows.npy`, `cols.npy`, `values.npy`, `vocab.tsv`), read checked and written streamed;
- `counting`: the local engine (`count_cooccurrences`);
- `cache`: the cache `train --model glove` keeps next to the corpus, and what an auxiliary output may replace.

The names below are the package's public interface; other stages and engines
(GloVe, Spark) import only these.
"""

from embcli.cooccurrence.cache import cache_mismatch, cache_name, check_auxiliary_directory, ensure_cooccurrence, manifest_kind
from embcli.cooccurrence.counting import count_cooccurrences
from embcli.cooccurrence.external_sort import merge_in_memory
from embcli.cooccurrence.keys import RECORD_BYTES, CellLayout
from embcli.cooccurrence.matrix import (COLS_NAME, COOCCURRENCE_KIND, ROWS_NAME, VALUES_NAME, VOCAB_NAME, WEIGHTING,
                                        Cooccurrence, MatrixWriter, load_cooccurrence, write_matrix_manifest)
from embcli.cooccurrence.planning import MAX_WINDOW, check_token_ids, counting_layout, memory_cap_bytes

__all__ = [
    "COLS_NAME", "COOCCURRENCE_KIND", "MAX_WINDOW", "RECORD_BYTES", "ROWS_NAME", "VALUES_NAME", "VOCAB_NAME", "WEIGHTING",
    "CellLayout", "Cooccurrence", "MatrixWriter", "cache_mismatch", "cache_name", "check_auxiliary_directory",
    "check_token_ids", "count_cooccurrences", "counting_layout", "ensure_cooccurrence", "load_cooccurrence",
    "manifest_kind", "memory_cap_bytes", "merge_in_memory", "write_matrix_manifest",
]
