"""The `embcli` command group. Each stage's command lives in its own module.

Heavy libraries (gensim, numba, scikit-learn) are imported inside commands,
so `embcli --help` stays fast.
"""

import click

from embcli.version import __version__
from embcli.cli.options import EmbcliGroup


@click.group(cls=EmbcliGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="embcli")
def main() -> None:
    """Turn raw text into word embeddings and measure how good they are.

    \b
    Typical pipeline:
      embcli preprocess corpus.txt.gz -o work/corpus
      embcli train work/corpus --model skipgram -o work/sg
      embcli eval work/sg --suite standard
    """


from embcli.cli import commands as _commands  # noqa: E402,F401  (registers the commands)
