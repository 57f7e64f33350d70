"""Import every command module so each registers itself on the `main` group."""

from embcli.cli import preprocess, train, evaluate, cooccur  # noqa: F401
from embcli.cli import vectors  # noqa: F401,E402
from embcli.cli import embed, plot, quantize  # noqa: F401,E402
from embcli.cli import phrases  # noqa: F401,E402
