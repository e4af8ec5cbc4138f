"""Read history files (CSV, Parquet, Excel) into a table of text, and read numbers in text.

Private helpers of :mod:`staffing.io`. A CSV file is read as text whatever its encoding or
dialect: the encoding is found from its byte-order mark, else it is UTF-8, else Windows-1252
(cp1252, a superset of the printable Latin-1) when no byte of the file is valid UTF-8 beyond
ASCII; UTF-16 without a mark is recognised by its zero bytes. The column delimiter is the one
of ``,``, ``;``, tab and ``|`` that splits the header and the first lines into the same number
of fields (two or more). gzip-compressed files are recognised by their content whatever their
name. A file whose content is another format than its extension says (a CSV file named
``.xlsx``, a workbook named ``.csv``) is refused with a message naming the format found.

Counts in text follow :func:`number_text`: a decimal point or a decimal comma, never
thousands separators.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import re
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from staffing.errors import DataError

#: Extensions read as CSV text (gzip-compressed or not, whatever the extension says).
CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz", ".tsv", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
#: Column delimiters tried on CSV text, in order of preference.
DELIMITERS = (",", ";", "\t", "|")

_SAMPLE_BYTES = 1 << 16
_SAMPLE_LINES = 50
_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252",
}
# A valid UTF-8 sequence beyond ASCII: such bytes are almost never Windows-1252 text.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_THOUSANDS = {
    ",": re.compile(r"[+-]?\d{1,3}(?:,\d{3})+"),
    ".": re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+"),
}


class Table(NamedTuple):
    """A table read from a file: its cells, and the delimiter of CSV text ("" otherwise)."""

    frame: pd.DataFrame
    delimiter: str


# ----------------------------------------------------------------------------- dispatch


def read_table(path: Path, sheet_name: str | int | None) -> Table:
    """Read a history file into a table; CSV cells are text.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DataError
        If the file is empty, unreadable, or not of the format its extension names.
    """
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, expected a file")
    name = path.name.lower()
    if name.endswith(".xls"):
        raise DataError(
            f"{path}: Excel 97-2003 workbooks (.xls) are not supported; save it as .xlsx or CSV"
        )
    expected = _expected_kind(name)
    if expected is None:
        raise DataError(
            f"{path}: unsupported file type; expected .csv, .csv.gz, .tsv, .txt, .parquet or .xlsx"
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as err:
        raise DataError(f"{path}: cannot read: {first_line(err)}") from err
    if not head:
        raise DataError(f"{path}: the file is empty")
    found = _content_kind(head)
    if expected == "csv" and found in ("excel", "parquet", "xls"):
        _wrong_content(path, "CSV", found)
    if expected in ("excel", "parquet") and found != expected:
        _wrong_content(path, "Excel" if expected == "excel" else "Parquet", found)
    if expected == "excel":
        return Table(_read_excel(path, sheet_name), "")
    if expected == "parquet":
        return Table(_read_parquet(path), "")
    return _read_csv(path)


def _expected_kind(name: str) -> str | None:
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(EXCEL_SUFFIXES):
        return "excel"
    return None


def _content_kind(head: bytes) -> str:
    """What the first bytes of a file say it is."""
    if head.startswith(b"PK\x03\x04"):
        return "excel"  # a zip archive, as .xlsx workbooks are
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"  # an OLE2 compound file: an old .xls or an encrypted workbook
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    return "text"


_KIND_TEXT = {
    "excel": ("a zip archive such as an Excel workbook", "name it .xlsx"),
    "parquet": ("a Parquet file", "name it .parquet"),
    "xls": (
        "an Excel 97-2003 (.xls) or password-protected workbook",
        "save it as .xlsx (without a password) or as CSV",
    ),
    "gzip": ("gzip-compressed data", "name it .csv.gz"),
    "text": ("text, such as CSV", "name it .csv"),
}


def _wrong_content(path: Path, reader: str, found: str) -> None:
    what, advice = _KIND_TEXT[found]
    if found == "text" and reader == "Excel":
        advice = "name it .csv if it is CSV text"
    raise DataError(f"{path}: cannot read as {reader}: the content is {what}; {advice}")


def first_line(err: BaseException) -> str:
    """First line of an exception's message (its class name when it has none)."""
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def require(module: str, path: Path) -> None:
    """Raise a DataError naming the extra to install when ``module`` is missing."""
    try:
        __import__(module)
    except ImportError as err:
        raise DataError(
            f"{path}: reading this file type needs {module}; "
            'install it with: pip install "staffing[io]"'
        ) from err


def _read_excel(path: Path, sheet_name: str | int | None) -> pd.DataFrame:
    require("openpyxl", path)
    try:
        return pd.read_excel(path, sheet_name=sheet_name or 0, engine="openpyxl")
    except MemoryError:
        raise
    except Exception as err:  # a corrupt workbook fails anywhere inside openpyxl
        raise DataError(f"{path}: cannot read as Excel: {first_line(err)}") from err


def _read_parquet(path: Path) -> pd.DataFrame:
    require("pyarrow", path)
    try:
        return pd.read_parquet(path)
    except MemoryError:
        raise
    except Exception as err:  # a corrupt file fails anywhere inside pyarrow
        raise DataError(f"{path}: cannot read as Parquet: {first_line(err)}") from err


# ----------------------------------------------------------------------------- CSV text


def _read_csv(path: Path) -> Table:
    data = _raw_bytes(path)
    encoding = detect_encoding(data, str(path))
    lines = _sample(data, encoding)
    delimiter = sniff_delimiter(lines)
    frame = None
    if _pyarrow_keeps_text():  # about five times faster than the C parser on text columns
        try:
            frame = _parse_csv(data, encoding, delimiter, "pyarrow")
        except ValueError:  # ragged rows, quoted line breaks...: let the C parser judge
            frame = None
    if frame is None:
        try:
            frame = _parse_csv(data, encoding, delimiter, "c")
        except pd.errors.EmptyDataError as err:
            raise DataError(f"{path}: the file is empty") from err
        except UnicodeDecodeError as err:
            name = _ENCODING_NAMES.get(encoding, encoding)
            raise DataError(f"{path}: not valid {name} text ({err.reason})") from err
        except pd.errors.ParserError as err:
            raise DataError(
                _ragged_message(data, encoding, delimiter, str(path))
                or f"{path}: cannot parse as CSV: {first_line(err)}"
            ) from err
    if not isinstance(frame.index, pd.RangeIndex):  # the C parser's implicit index column
        message = _ragged_message(data, encoding, delimiter, str(path))
        raise DataError(message or f"{path}: rows have more fields than the header")
    return Table(frame, delimiter)


@functools.cache
def _pyarrow_keeps_text() -> bool:
    """Whether pandas' pyarrow CSV engine is available and keeps text as written.

    Before pandas 3 (GH 57666) that engine infers types first and then turns them into text,
    so that ``007`` becomes ``7.0`` and a time with a UTC offset is converted to UTC.
    """
    try:
        frame = _parse_csv(b"a\n007\n", "utf-8", ",", "pyarrow")
    except (ImportError, ValueError):
        return False
    return frame["a"].tolist() == ["007"]


def _parse_csv(data: bytes, encoding: str, delimiter: str, engine: str) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(data),
        sep=delimiter,
        encoding=encoding,
        dtype=str,
        keep_default_na=False,
        engine=engine,  # type: ignore[arg-type]
    )


def _ragged_message(data: bytes, encoding: str, delimiter: str, label: str) -> str | None:
    """Name the first line whose number of fields differs from the header's, if any."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader)
        for row in reader:
            if row and len(row) != len(header):
                extra = row[len(header) :]
                hint = ""
                if len(row) > len(header) and not any(cell.strip() for cell in extra):
                    hint = " (a delimiter at the end of the line?)"
                elif len(header) == 1 and reader.line_num == 2:
                    hint = " (is line 1 a title above the header? remove it)"
                return (
                    f"{label}: line {reader.line_num} has {len(row)} fields, but the header "
                    f"has {len(header)}{hint}; expected {delimiter!r}-separated values"
                )
    except csv.Error as err:
        return f"{label}: line {reader.line_num}: cannot parse as CSV: {err}"
    return None


def _raw_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DataError(f"{path}: cannot read: {first_line(err)}") from err
    if data.startswith(b"\x1f\x8b"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise DataError(f"{path}: cannot decompress gzip data: {first_line(err)}") from err
    if not data.strip():
        raise DataError(f"{path}: the file is empty")
    return data


def detect_encoding(data: bytes, label: str) -> str:
    """Python codec of CSV bytes: from the byte-order mark, else UTF-8, else Windows-1252.

    Raises
    ------
    DataError
        If the bytes are binary data, or text in neither UTF-8 nor Windows-1252, or mix the
        two; the message names the first offending byte, its offset and its line.
    """
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            _check_decodes(data, encoding, label)
            return encoding
    if b"\x00" in data[:_SAMPLE_BYTES]:
        encoding = _utf16_without_mark(data[:_SAMPLE_BYTES], label)
        _check_decodes(data, encoding, label)
        return encoding
    if data.isascii():
        return "utf-8"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = err.start
    else:
        return "utf-8"
    if _UTF8_MULTIBYTE.search(data):
        raise DataError(
            f"{label}: {_where(data, bad)} is not valid UTF-8, although other non-ASCII text "
            "in the file is: the file mixes encodings; save it as UTF-8"
        )
    try:
        data.decode("cp1252")
    except UnicodeDecodeError as err:
        raise DataError(
            f"{label}: {_where(data, err.start)} is neither UTF-8 nor Windows-1252 "
            "(Latin-1) text; save the file as UTF-8"
        ) from None
    return "cp1252"


def _utf16_without_mark(head: bytes, label: str) -> str:
    """UTF-16 byte order of text whose every other byte is zero, else a DataError."""
    even = np.frombuffer(head[: len(head) // 2 * 2], dtype=np.uint8).reshape(-1, 2)
    zeros = (even == 0).mean(axis=0)
    if zeros[1] > 0.9 and zeros[0] < 0.1:
        return "utf-16-le"
    if zeros[0] > 0.9 and zeros[1] < 0.1:
        return "utf-16-be"
    raise DataError(
        f"{label}: {_where(head, head.index(0))} is a zero byte: the file is binary data, "
        "not CSV text"
    )


def _check_decodes(data: bytes, encoding: str, label: str) -> None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as err:
        name = _ENCODING_NAMES.get(encoding, encoding)
        raise DataError(
            f"{label}: not valid {name} text: {err.reason} at byte offset {err.start}"
        ) from None


def _where(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return f"byte 0x{data[offset]:02x} at offset {offset} (line {line})"


def _sample(data: bytes, encoding: str) -> list[str]:
    """The first lines of the text (the last, maybe cut, line of a long file dropped)."""
    head = data[:_SAMPLE_BYTES]
    if encoding.startswith("utf-16"):
        head = head[: len(head) // 2 * 2]
    elif encoding.startswith("utf-32"):
        head = head[: len(head) // 4 * 4]
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    lines = text.splitlines()
    if len(data) > _SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]
    return [line for line in lines if line.strip()][:_SAMPLE_LINES]


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the header and most sample lines into the same fields.

    Among :data:`DELIMITERS`, a candidate qualifies when it splits the header into two or more
    fields and at least half of the lines into as many fields as the header; the one that fits
    the most lines wins, then the one with the most fields, then the first listed. Without a
    qualifying candidate (a single-column file), the comma.

    Examples
    --------
    >>> sniff_delimiter(["timestamp;count", "2025-03-03T09:00;12,5"])
    ';'
    >>> sniff_delimiter(["timestamp"])
    ','
    """
    best, best_key = ",", (0.0, 0)
    for candidate in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=candidate) if row]
        if not widths or widths[0] < 2:
            continue
        fit = sum(width == widths[0] for width in widths) / len(widths)
        key = (fit, widths[0])
        if fit >= 0.5 and key > best_key:
            best, best_key = candidate, key
    return best


# ----------------------------------------------------------------------------- numbers


def number_text(text: pd.Series, delimiter: str) -> tuple[pd.Series, int | None, str]:
    """Counts written as text, turned into text Python reads as numbers.

    A decimal comma (``12,5``) is read as a decimal point. Thousands separators are not
    accepted: a value with both marks (``1.234,5``), a file that mixes decimal commas and
    decimal points, and values that read as thousands groups in the file's convention (``1,234``
    in comma-delimited text or a table, ``1.234`` in ``;``-, tab- or ``|``-delimited text,
    where the comma is the decimal mark) are refused.

    Parameters
    ----------
    text : pandas.Series
        Stripped text, ``""`` where missing.
    delimiter : str
        Column delimiter of the file the text comes from; ``""`` for other sources.

    Returns
    -------
    tuple
        The text with decimal points; the position of the first refused value, or None; and
        what is wrong with it.

    Examples
    --------
    >>> import pandas as pd
    >>> number_text(pd.Series(["12,5", "3"]), ";")[0].tolist()
    ['12.5', '3']
    >>> number_text(pd.Series(["7", "1,234"]), ",")[1]
    1
    """
    comma = text.str.contains(",", regex=False).to_numpy(dtype=bool)
    european = delimiter in (";", "\t", "|")
    if not comma.any():
        if european:
            position = _all_thousands(text, ".", np.ones(len(text), bool))
            if position is not None:
                return text, position, _AMBIGUOUS
        return text, None, ""
    dot = text.str.contains(".", regex=False).to_numpy(dtype=bool)
    both = comma & dot
    if both.any():
        return text, int(np.argmax(both)), "thousands separators are not supported"
    if dot.any():
        first_comma, first_dot = int(np.argmax(comma)), int(np.argmax(dot))
        later, earlier = max(first_comma, first_dot), min(first_comma, first_dot)
        marks = ("comma", "point") if later == first_comma else ("point", "comma")
        return (
            text,
            later,
            f"a decimal {marks[0]}, while an earlier row has a decimal {marks[1]} "
            f"({text.iloc[earlier]!r}); use one decimal mark",
        )
    if not european:
        position = _all_thousands(text, ",", comma)
        if position is not None:
            return text, position, _AMBIGUOUS
    return text.str.replace(",", ".", regex=False), None, ""


_AMBIGUOUS = (
    "ambiguous number: a thousands separator or a decimal comma? write counts without "
    "thousands separators"
)


def _all_thousands(text: pd.Series, mark: str, marked: np.ndarray) -> int | None:
    """Position of the first marked value when every marked value looks like thousands."""
    marked = marked & text.str.contains(mark, regex=False).to_numpy(dtype=bool)
    if not marked.any():
        return None
    looks = text[marked].str.fullmatch(_THOUSANDS[mark].pattern).to_numpy(dtype=bool)
    return int(np.argmax(marked)) if looks.all() else None
