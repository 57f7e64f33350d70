"""Import every command module so each registers itself on the `main` group."""

import embcli.cli.cooccur  # noqa: F401
import embcli.cli.embed  # noqa: F401
import embcli.cli.evaluate  # noqa: F401
import embcli.cli.export  # noqa: F401
import embcli.cli.index  # noqa: F401
import embcli.cli.phrases  # noqa: F401
import embcli.cli.plot  # noqa: F401
import embcli.cli.preprocess  # noqa: F401
import embcli.cli.quantize  # noqa: F401
import embcli.cli.queries  # noqa: F401
import embcli.cli.train  # noqa: F401
import embcli.cli.vectors  # noqa: F401
from embcli.cli.group import main

__all__ = ["main"]
