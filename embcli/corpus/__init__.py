"""Reading raw text, tokenizing it, and the vocabulary and token-id corpus built from it."""
