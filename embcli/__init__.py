"""embcli: raw text to word embeddings, and how good they are."""

__version__ = "0.1.0"
