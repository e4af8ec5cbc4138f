"""Small shims over differences between the dependency versions :mod:`staffing` supports.

Examples
--------
>>> sorted(CSV_EXACT_FLOATS) in ([], ["float_precision"])
True
"""

from __future__ import annotations

import pandas as pd

__all__ = ["CSV_EXACT_FLOATS"]

#: Keyword arguments of :func:`pandas.read_csv` that read floats back exactly as written:
#: pandas < 3 parses with a fast, inexact parser unless told ``float_precision="round_trip"``;
#: pandas 3 parses exactly and deprecates the argument.
CSV_EXACT_FLOATS: dict[str, str] = (
    {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
)
