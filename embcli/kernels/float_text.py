"""float32 rows as decimal text, the way `%.9g` writes them, compiled.

Why: writing vectors.vec with Python's `%` operator costs ~0.25 us a value,
about a second for a 34k x 100 matrix, which was 8% of a whole skip-gram
run. Nine significant digits always read back as the same float32.

The digits come from one float64 multiplication by a power of ten and a
rounding, so in rare near-halfway cases the last digit can differ from
`%.9g`'s correctly rounded one; both are within 1e-8 relative of the value,
far inside half a float32 step (3e-8), so the text still reads back exactly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

SIGNIFICANT_DIGITS = 9
MAX_CHARS_PER_VALUE = 16  # "-1.23456789e-38" and a separator
_POWERS_OF_TEN = 10.0 ** np.arange(-60, 61)  # float64; index 60 is 10**0


@njit(cache=True, nogil=True)
def _put_digits(out, pos, number, count):
    """Write `number` as exactly `count` decimal digits (leading zeros kept); returns the new position."""
    for i in range(count - 1, -1, -1):
        out[pos + i] = 48 + number % 10
        number //= 10
    return pos + count


@njit(cache=True, nogil=True)
def _put_value(out, pos, value):
    """Append `value` (float64 holding a float32) in `%.9g` form; returns the new position."""
    if value != value:
        for c in b"nan":
            out[pos] = c
            pos += 1
        return pos
    if value < 0.0 or (value == 0.0 and np.signbit(value)):
        out[pos] = 45  # '-'
        pos += 1
        value = -value
    if value == np.inf:
        for c in b"inf":
            out[pos] = c
            pos += 1
        return pos
    if value == 0.0:
        out[pos] = 48
        return pos + 1
    exponent = int(np.floor(np.log10(value)))
    mantissa = int(np.rint(value * _POWERS_OF_TEN[60 + SIGNIFICANT_DIGITS - 1 - exponent]))
    if mantissa >= 10 ** SIGNIFICANT_DIGITS:  # log10 rounded up, or the rounding carried
        exponent += 1
        mantissa = int(np.rint(value * _POWERS_OF_TEN[60 + SIGNIFICANT_DIGITS - 1 - exponent]))
    elif mantissa < 10 ** (SIGNIFICANT_DIGITS - 1):  # log10 rounded down
        exponent -= 1
        mantissa = int(np.rint(value * _POWERS_OF_TEN[60 + SIGNIFICANT_DIGITS - 1 - exponent]))
    digits = SIGNIFICANT_DIGITS
    while mantissa % 10 == 0 and digits > 1:  # %g drops trailing zeros
        mantissa //= 10
        digits -= 1
    if -4 <= exponent < SIGNIFICANT_DIGITS:  # fixed notation
        if exponent < 0:
            out[pos] = 48
            out[pos + 1] = 46  # "0."
            pos += 2
            for _ in range(-exponent - 1):
                out[pos] = 48
                pos += 1
            return _put_digits(out, pos, mantissa, digits)
        if digits <= exponent + 1:  # an integer: digits, then zeros up to the decimal point
            pos = _put_digits(out, pos, mantissa, digits)
            for _ in range(exponent + 1 - digits):
                out[pos] = 48
                pos += 1
            return pos
        fraction_digits = digits - exponent - 1
        scale = 10 ** fraction_digits
        pos = _put_digits(out, pos, mantissa // scale, exponent + 1)
        out[pos] = 46
        return _put_digits(out, pos + 1, mantissa % scale, fraction_digits)
    scale = 10 ** (digits - 1)  # scientific notation: d[.ddd]e+XX
    pos = _put_digits(out, pos, mantissa // scale, 1)
    if digits > 1:
        out[pos] = 46
        pos = _put_digits(out, pos + 1, mantissa % scale, digits - 1)
    out[pos] = 101  # 'e'
    out[pos + 1] = 45 if exponent < 0 else 43
    magnitude = abs(exponent)
    return _put_digits(out, pos + 2, magnitude, 3 if magnitude >= 100 else 2)


@njit(cache=True, nogil=True)
def format_rows(matrix):
    """Each row of a float32 matrix as space-separated `%.9g` text: (bytes uint8[:], row ends int64[rows])."""
    rows, columns = matrix.shape
    out = np.empty(rows * columns * MAX_CHARS_PER_VALUE, dtype=np.uint8)
    ends = np.empty(rows, dtype=np.int64)
    pos = 0
    for r in range(rows):
        for c in range(columns):
            if c > 0:
                out[pos] = 32
                pos += 1
            pos = _put_value(out, pos, np.float64(matrix[r, c]))
        ends[r] = pos
    return out[:pos], ends
