"""The few exception types embcli raises for problems a user can fix.

Library code raises these with a one-line message that says what is wrong,
where, and how to fix it; the CLI turns them into `Error: ...` and exit 1.
Anything else escaping is a bug in embcli, not in the user's input.
"""


class EmbcliError(Exception):
    """A problem with the user's input, files or options (never a bug)."""


class InputError(EmbcliError):
    """A file or directory is missing, unreadable, empty or of the wrong kind."""


class FormatError(EmbcliError):
    """A file exists but its content does not follow the expected format."""


class ConfigError(EmbcliError):
    """Options or a config file are inconsistent, unknown or out of range."""


class DivergenceError(EmbcliError):
    """Training produced NaN or infinite values (a learning rate too high for the data)."""


class ResourceError(EmbcliError):
    """The machine cannot do what was asked: a full disk, or a size that cannot be allocated."""


class UnknownWordError(InputError, KeyError):
    """A word has no vector in these embeddings (a KeyError too, as gensim's `KeyedVectors` raise)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
