"""Numba kernels: arrays in, arrays out, no I/O and no globals."""
