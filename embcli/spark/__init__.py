"""Scale-out on Apache Spark (the optional `embcli[spark]` extra).

Each module runs one stage with the local engine's own code shipped to the
executors, and writes the same artifacts as the local engine:

- `preprocess`: tokenizing and vocabulary counting (`embcli preprocess --engine spark`);
- `cooccur`: co-occurrence counting (`embcli cooccur --engine spark`);
- `word2vec_mllib`: skip-gram on Spark MLlib (`embcli train --engine spark-mllib`);
- `session`: the SparkSession and one-line errors shared by all three.

Nothing here imports pyspark at module import time, so `embcli` works without the extra.
"""
