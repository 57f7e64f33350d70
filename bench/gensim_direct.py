"""gensim Word2Vec used directly on a text corpus, as a user would: the baseline embcli is compared with.

Usage: python bench/gensim_direct.py CORPUS_TXT OUT.vec --model skipgram|cbow [--workers 2] [--dim 100] ...
"""

from __future__ import annotations

import argparse

from gensim.models import Word2Vec


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus")
    parser.add_argument("output")
    parser.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hs", type=int, default=0, help="1: hierarchical softmax (give --negative 0 for HS alone)")
    args = parser.parse_args()
    cbow = args.model == "cbow"
    model = Word2Vec(vector_size=args.dim, window=args.window, negative=args.negative, sample=args.sample,
                     min_count=args.min_count, workers=args.workers, sg=0 if cbow else 1, hs=args.hs,
                     alpha=0.05 if cbow else 0.025, epochs=args.epochs, seed=1)
    model.build_vocab(corpus_file=args.corpus)
    model.train(corpus_file=args.corpus, total_words=model.corpus_total_words, epochs=args.epochs)
    model.wv.save_word2vec_format(args.output)


if __name__ == "__main__":
    main()
