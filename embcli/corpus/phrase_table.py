"""The phrase table (`phrases.tsv`) that `embcli phrases` writes, and joining new text with it.

One line per phrase, in the order they are applied:
`phrase<TAB>count<TAB>score<TAB>pass<TAB>parts`, parts being the space-separated
tokens the phrase joins. A vectors artifact trained on a joined corpus carries
the table, so `embed`, the Python API and queries (`neighbors "new york"`) join
new text as the corpus was joined. Read back, it is checked and capped: it may
come with a downloaded model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from embcli.artifacts.sizes import check_text_file_size
from embcli.errors import FormatError, InputError

PHRASES_TSV = "phrases.tsv"  # also the name its vectors carry it by (embeddings.tokenizer_settings.PHRASES_NAME)
PHRASES_HEADER = "phrase\tcount\tscore\tpass\tparts"
JOINER = "_"
MAX_PHRASE_TABLE_BYTES = 256 << 20
MAX_PHRASE_PASSES = 100
MAX_PHRASE_PARTS = 100  # words of one phrase read back from a table (two ordinary words, connectors between)

PhrasePasses = list[dict[tuple[str, ...], str]]  # per pass: the tokens a phrase joins -> the phrase token


def write_phrase_table(path: Path, found: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(PHRASES_HEADER + "\n")
        for phrase in found:
            handle.write(f"{JOINER.join(phrase['parts'])}\t{phrase['count']}\t{phrase['score']:.6g}\t"
                         f"{phrase['pass']}\t{' '.join(phrase['parts'])}\n")


def read_phrase_table(path: Path) -> PhrasePasses:
    """Per pass, parts -> phrase token, from a `phrases.tsv` (it may come with a model: checked and capped)."""
    passes: PhrasePasses = []
    check_text_file_size(path, MAX_PHRASE_TABLE_BYTES, "phrase table")
    try:
        with open(path, encoding="utf-8-sig", newline="\n") as handle:
            if handle.readline().rstrip("\n") != PHRASES_HEADER:
                raise FormatError(f"{path}: not a phrase table of embcli phrases (its header is not "
                                  f"{PHRASES_HEADER.replace(chr(9), '<TAB>')!r})")
            for number, line in enumerate(handle, start=2):
                fields = line.rstrip("\n").split("\t")
                step = fields[3] if len(fields) == 5 else ""
                parts = tuple(fields[4].split(" ")) if len(fields) == 5 else ()
                if not (step.isascii() and step.isdigit() and 1 <= int(step) <= MAX_PHRASE_PASSES) \
                        or not 2 <= len(parts) <= MAX_PHRASE_PARTS or not all(parts) or not fields[0]:
                    raise FormatError(f"{path}:{number}: expected 'phrase<TAB>count<TAB>score<TAB>pass<TAB>parts' "
                                      f"with a pass from 1 to {MAX_PHRASE_PASSES} and 2 to {MAX_PHRASE_PARTS} parts; re-create it "
                                      "with embcli phrases")
                passes.extend({} for _ in range(int(step) - len(passes)))
                passes[int(step) - 1][parts] = fields[0]
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not UTF-8 text (at byte {exc.start} of a block); re-create it with embcli "
                          "phrases") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    return passes


def apply_phrases(tokens: list[str], passes: PhrasePasses) -> list[str]:
    """Join a token list as the corpus was joined: pass by pass, greedy left to right.

    At most one phrase of a pass can start at a word (a phrase's inner words are connectors, its last word is
    not), so trying each phrase length in turn finds the one the corpus kernel finds.

    >>> apply_phrases("i love new york city".split(), [{("new", "york"): "new_york"}, {("new_york", "city"): "new_york_city"}])
    ['i', 'love', 'new_york_city']
    >>> apply_phrases("bank of the west".split(), [{("bank", "of", "the", "west"): "bank_of_the_west"}])
    ['bank_of_the_west']
    """
    for table in passes:
        widths = sorted({len(parts) for parts in table})
        joined: list[str] = []
        i = 0
        while i < len(tokens):
            for width in widths:
                phrase = table.get(tuple(tokens[i : i + width])) if i + width <= len(tokens) else None
                if phrase is not None:
                    joined.append(phrase)
                    i += width
                    break
            else:
                joined.append(tokens[i])
                i += 1
        tokens = joined
    return tokens
