"""Hostile history files, read by staffing.io.read_history and by ``staffing forecast``.

One test per class of input: encodings, delimiters and decimal commas, broken or misnamed
Excel and Parquet files, UTC offsets, row order, duplicates, count limits, history shapes,
interval lengths, summer-time days and naive timestamps without a zone. A valid input must give
the numbers of a clean file; an invalid one a single-line DataError (exit status 1 on the
command line) naming the file, the column and the row, never a traceback.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffing.cli import main
from staffing.errors import ConfigError, DataError
from staffing.io import MAX_COUNT, read_history

REAL = Path(__file__).resolve().parents[2] / "shared" / "data"
LONDON, NEW_YORK = "Europe/London", "America/New_York"


# ----------------------------------------------------------------------------- helpers


def count_rows(
    days: float = 21,
    queues: tuple[str, ...] = ("all",),
    start: str = "2025-01-06",
    tz: str | None = None,
    minutes: int = 60,
    seed: int = 0,
) -> pd.DataFrame:
    """Poisson counts per interval: columns ``timestamp`` (datetime), ``queue``, ``count``."""
    stamps = pd.date_range(start, periods=int(days * 1440 / minutes), freq=f"{minutes}min", tz=tz)
    rng = np.random.default_rng(seed)
    parts = [
        pd.DataFrame({"timestamp": stamps, "queue": q, "count": rng.poisson(5, len(stamps))})
        for q in queues
    ]
    return pd.concat(parts, ignore_index=True)


def iso(stamps: pd.Series) -> list[str]:
    """ISO 8601 text, with the UTC offset for aware timestamps."""
    if getattr(stamps.dtype, "tz", None) is None:
        return pd.Series(stamps).dt.strftime("%Y-%m-%dT%H:%M:%S").tolist()
    return [stamp.isoformat() for stamp in stamps]


def csv_text(header: list[str], rows: list[list[object]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    return out.getvalue()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def write_counts(path: Path, frame: pd.DataFrame) -> Path:
    """Write ``timestamp,queue,count`` text (``queue`` left out when it is only "all")."""
    header = ["timestamp", "queue", "count"]
    rows = [
        list(row)
        for row in zip(iso(frame["timestamp"]), frame["queue"], frame["count"], strict=True)
    ]
    if set(frame["queue"]) == {"all"}:
        header, rows = ["timestamp", "count"], [[row[0], row[2]] for row in rows]
    return write(path, csv_text(header, rows))


def totals(frame: pd.DataFrame, column: str) -> dict[str, float]:
    return {str(q): float(v) for q, v in frame.groupby("queue")[column].sum().items()}


def cli(path: Path, *options: object) -> object:
    out = path.with_name(f"forecast-{path.stem}.csv")
    args = ["forecast", path, "--out", out, "--force", "--horizon-days", 7]
    args += ["--model", "seasonal_naive_week", *options]
    return CliRunner().invoke(main, [str(arg) for arg in args])


def assert_cli_ok(result) -> None:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def assert_cli_error(result, *needles: str) -> None:
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("staffing: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


# ----------------------------------------------------------------------------- encodings


def utf16_be_with_mark(text: str) -> bytes:
    return b"\xfe\xff" + text.encode("utf-16-be")


ENCODINGS = {
    "utf-8 with BOM": lambda text: text.encode("utf-8-sig"),
    "utf-16 LE with BOM": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
    "utf-16 BE with BOM": utf16_be_with_mark,
    "utf-16 LE without BOM": lambda text: text.encode("utf-16-le"),
    "windows-1252": lambda text: text.encode("cp1252"),
    "latin-1": lambda text: text.encode("latin-1"),
}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_encodings_read_like_utf8(tmp_path, encoding):
    frame = count_rows(queues=("Café", "Straße"))
    text = csv_text(
        ["timestamp", "queue", "count", "Größe"],
        [
            [t, q, c, "x"]
            for t, q, c in zip(
                iso(frame["timestamp"]), frame["queue"], frame["count"], strict=True
            )
        ],
    )
    path = tmp_path / "h.csv"
    path.write_bytes(ENCODINGS[encoding](text))
    history = read_history(path, tz="UTC")
    assert totals(history, "volume") == totals(frame, "count")
    assert_cli_ok(cli(path, "--tz", "UTC", "--queue", "Straße"))


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (  # UTF-8 queue names, then one in Windows-1252
            "timestamp,queue,count\n2025-01-06T00:00,Café,1\n".encode()
            + "2025-01-06T01:00,Café,1\n".encode("cp1252"),
            ("byte 0xe9 at offset", "(line 3)", "mixes encodings"),
        ),
        (  # 0x81 is undefined in Windows-1252 and invalid in UTF-8
            b"timestamp,count\n2025-01-06T00:00,1\n2025-01-06T01:00,\x81\n",
            ("byte 0x81 at offset 52 (line 3)", "neither UTF-8 nor Windows-1252"),
        ),
        (bytes(range(256)) * 4, ("zero byte", "binary data, not CSV text")),
    ],
    ids=["mixed", "undefined byte", "binary"],
)
def test_undecodable_text_names_the_byte_and_line(tmp_path, content, needles):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=re.escape("bad.csv: ")) as caught:
        read_history(path, tz="UTC")
    for needle in needles:
        assert needle in str(caught.value)
    assert_cli_error(cli(path, "--tz", "UTC"), "bad.csv", *needles)


# ----------------------------------------------------------------------------- dialects


def number(value: float, decimal: str) -> str:
    text = f"{value:g}" if value != int(value) else f"{int(value)}"
    return text.replace(".", decimal)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    decimal=st.sampled_from([".", ","]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    halves=st.lists(st.integers(0, 4000), min_size=24, max_size=72),
    queue=st.sampled_from(["phone", "Café", "Hotline Süd", "a;b", "x,y", 'say "hi"']),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_dialect_round_trip(
    tmp_path_factory, delimiter, decimal, encoding, halves, queue, newline
):
    counts = [half / 2 for half in halves]
    stamps = pd.date_range("2025-01-06", periods=len(counts), freq="h")
    rows = [[t, queue, number(c, decimal)] for t, c in zip(iso(stamps), counts, strict=True)]
    text = csv_text(["timestamp", "queue", "count"], rows, delimiter).replace("\n", newline)
    path = tmp_path_factory.mktemp("dialect") / "h.csv"
    path.write_bytes(text.encode(encoding))
    history = read_history(path, tz="UTC", min_history_days=0)
    assert history["volume"].tolist() == counts
    assert set(history["queue"]) == {queue}


@pytest.mark.parametrize(
    ("delimiter", "values", "needle"),
    [
        (";", ["2,5", "1.234,5"], "row 2: thousands separators are not supported, got '1.234,5'"),
        (",", ["1,234", "1,500"], "row 1: ambiguous number"),
        (";", ["1.234", "7"], "row 1: ambiguous number"),
        (";", ["2,5", "3.5"], "row 2: a decimal point, while an earlier row has a decimal comma"),
        ("\t", ["12 contacts", "3"], "row 1: expected a number of contacts"),
    ],
)
def test_number_formats_that_would_be_guesses_are_refused(tmp_path, delimiter, values, needle):
    stamps = iso(pd.date_range("2025-01-06", periods=21 * 24, freq="h"))
    counts = [*values, *["4"] * (len(stamps) - len(values))]
    path = write(
        tmp_path / "n.csv",
        csv_text(["timestamp", "count"], [*zip(stamps, counts, strict=True)], delimiter),
    )
    with pytest.raises(DataError, match=re.escape(f"n.csv: column 'count', {needle}")):
        read_history(path, tz="UTC")
    assert_cli_error(cli(path, "--tz", "UTC"), "n.csv", "column 'count'", needle)


@pytest.mark.parametrize(
    ("head", "line", "needle"),
    [
        ("timestamp,count", "a,b,c", "line 3 has 3 fields, but the header has 2"),
        ("timestamp,count", "a,b,", "line 3 has 3 fields, but the header has 2 (a delimiter"),
        ("Calls report", "timestamp,count", "line 2 has 2 fields, but the header has 1 (is line "
         "1 a title above the header? remove it)"),
    ],
)  # fmt: skip
def test_ragged_rows_name_the_line(tmp_path, head, line, needle):
    text = f"{head}\n2025-01-06T00:00,1\n{line}\n2025-01-06T02:00,1\n"
    if head == "Calls report":
        text = f"{head}\n{line}\n2025-01-06T00:00,1\n2025-01-06T02:00,1\n"
    path = write(tmp_path / "r.csv", text)
    with pytest.raises(DataError, match=re.escape("r.csv: ")):
        read_history(path, tz="UTC", min_history_days=0)
    assert_cli_error(cli(path, "--tz", "UTC"), "r.csv", needle)


# ----------------------------------------------------------------------------- file formats


def workbook_bytes(tmp_path: Path, rows: int = 21 * 24) -> bytes:
    frame = count_rows().head(rows)[["timestamp", "count"]]
    frame.to_excel(tmp_path / "real.xlsx", index=False)
    return (tmp_path / "real.xlsx").read_bytes()


def parquet_bytes(tmp_path: Path) -> bytes:
    count_rows()[["timestamp", "count"]].to_parquet(tmp_path / "real.parquet")
    return (tmp_path / "real.parquet").read_bytes()


CSV_BYTES = b"timestamp,count\n2025-01-06T00:00,1\n"
BROKEN = {
    "empty.xlsx": (lambda d: b"", "the file is empty"),
    "garbage.xlsx": (lambda d: b"PK\x03\x04" + b"\x00garbage" * 50, "cannot read as Excel"),
    "truncated.xlsx": (lambda d: workbook_bytes(d)[:800], "cannot read as Excel"),
    "text.xlsx": (lambda d: CSV_BYTES, "cannot read as Excel: the content is text"),
    "header.xlsx": (lambda d: workbook_bytes(d, rows=0), "no data rows"),
    "empty.parquet": (lambda d: b"", "the file is empty"),
    "truncated.parquet": (lambda d: parquet_bytes(d)[:300], "cannot read as Parquet"),
    "text.parquet": (lambda d: CSV_BYTES, "cannot read as Parquet: the content is text"),
    "book.csv": (lambda d: workbook_bytes(d), "an Excel workbook; name it .xlsx"),
    "table.csv": (lambda d: parquet_bytes(d), "a Parquet file; name it .parquet"),
    "old.xls": (lambda d: b"\xd0\xcf\x11\xe0" + bytes(100), "(.xls) are not supported"),
    "mark-only.csv": (lambda d: b"\xef\xbb\xbf\r\n", "the file is empty"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_or_misnamed_files_are_named(tmp_path, name):
    make, needle = BROKEN[name]
    path = tmp_path / name
    path.write_bytes(make(tmp_path))
    with pytest.raises(DataError, match=re.escape(f"{name}: ")) as caught:
        read_history(path, tz="UTC")
    assert needle in str(caught.value)
    assert_cli_error(cli(path, "--tz", "UTC"), name, needle)


def test_gzip_content_is_read_whatever_the_name(tmp_path):
    frame = count_rows()
    plain = write_counts(tmp_path / "plain.csv", frame)
    packed = tmp_path / "packed.csv"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    expected = read_history(plain, tz="UTC")
    pd.testing.assert_frame_equal(read_history(packed, tz="UTC"), expected)
    assert_cli_ok(cli(packed, "--tz", "UTC"))


# ----------------------------------------------------------------------------- UTC offsets


def offset_style(text: str, style: str) -> str:
    """Rewrite ISO text ending in ``+01:00`` in the given offset style."""
    if style == "+0100":
        return text[:-3] + text[-2:]
    if style == "+01":
        return text[:-3]
    return text


@pytest.mark.parametrize("tz", [LONDON, NEW_YORK])
@pytest.mark.parametrize("change", ["spring", "fall"])
@pytest.mark.parametrize("form", ["naive local", "+01:00", "+0100", "+01", "Z"])
def test_summer_time_days_have_23_or_25_hours(tmp_path, tz, change, form):
    days = pd.date_range("2025-01-01", "2025-12-31", freq="D", tz=tz)
    hours = (days[1:] - days[:-1]) / pd.Timedelta(1, unit="h")
    day = days[:-1][hours == (23 if change == "spring" else 25)][0]
    first, last = day - pd.Timedelta(10, unit="D"), day + pd.Timedelta(11, unit="D")
    stamps = pd.Series(pd.date_range(first, last, freq="h", inclusive="left"))
    counts = np.arange(len(stamps)) % 7 + 1
    if form == "naive local":
        text = [t.strftime("%Y-%m-%dT%H:%M:%S") for t in stamps]
    elif form == "Z":
        text = [t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ") for t in stamps]
    else:
        text = [offset_style(t.isoformat(), form) for t in stamps]
    path = write(
        tmp_path / "dst.csv", csv_text(["timestamp", "count"], [*zip(text, counts, strict=True)])
    )
    history = read_history(path, tz=tz)
    assert history["interval_start"].tolist() == stamps.tolist()
    assert history["volume"].tolist() == counts.astype(float).tolist()
    length = history.groupby(history["interval_start"].dt.date).size()
    assert length.loc[day.date()] == (23 if change == "spring" else 25)
    assert history.attrs["gaps"] == ()
    assert_cli_ok(cli(path, "--tz", tz))


@pytest.mark.parametrize("data", ["counts", "contacts"])
def test_offsets_that_switch_back_within_a_day_are_refused(tmp_path, data):
    stamps = pd.Series(pd.date_range("2025-01-06", periods=21 * 24, freq="h", tz=LONDON))
    text = iso(stamps)
    text[5] = text[5].replace("+00:00", "+01:00")  # one row stamped in another zone
    rows = [[t, 3] for t in text] if data == "counts" else [[t] for t in text]
    header = ["timestamp", "count"] if data == "counts" else ["timestamp"]
    path = write(tmp_path / "off.csv", csv_text(header, rows))
    needle = "column 'timestamp', row 6: UTC offset +01:00 of '2025-01-06T05:00:00+01:00'"
    with pytest.raises(DataError, match=rf"off\.csv: {re.escape(needle)}.*inconsistent"):
        read_history(path, tz=LONDON)
    assert_cli_error(cli(path, "--tz", LONDON), "off.csv", needle, "inconsistent")


def test_unknown_time_zone_is_a_config_error(tmp_path):
    path = write_counts(tmp_path / "h.csv", count_rows())
    needle = "tz (the --tz option, the [history] tz key): unknown time zone 'Europe/Londn'"
    with pytest.raises(ConfigError, match=re.escape(needle)):
        read_history(path, tz="Europe/Londn")
    result = cli(path, "--tz", "Europe/Londn")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "unknown time zone 'Europe/Londn'" in result.output


def test_contacts_with_dates_only_are_refused(tmp_path):
    days = pd.date_range("2025-01-06", periods=21, freq="D").strftime("%Y-%m-%d")
    path = write(tmp_path / "days.csv", csv_text(["timestamp"], [[d] for d in days for _ in "ab"]))
    needle = "column 'timestamp': every timestamp is at midnight (row 1: 2025-01-06 00:00:00)"
    with pytest.raises(DataError, match=re.escape(f"days.csv: {needle}")):
        read_history(path, tz="UTC")
    assert_cli_error(cli(path, "--tz", "UTC"), "days.csv", needle, "dates without a time")


# ----------------------------------------------------------------------------- row order


def fall_back_rows(repeat: int = 7) -> tuple[list[list[object]], pd.Series]:
    """Naive London hourly counts over the 2025 fall-back, the repeated hour listed twice."""
    stamps = pd.Series(pd.date_range("2025-10-13", periods=21 * 24 + 1, freq="h", tz=LONDON))
    wall = [t.strftime("%Y-%m-%dT%H:%M:%S") for t in stamps]
    counts = [1 + i % 5 for i in range(len(wall))]
    second = next(i for i in range(1, len(wall)) if wall[i] == wall[i - 1])
    counts[second] = repeat
    return [list(row) for row in zip(wall, counts, strict=True)], stamps


@pytest.mark.parametrize("order", ["shuffled, no repeated hour", "descending", "shuffled"])
def test_rows_in_any_order_read_as_sorted(tmp_path, order):
    rows, _ = fall_back_rows()
    if order == "shuffled, no repeated hour":
        rows = [r for r in rows if not r[0].startswith("2025-10-26")]
    ordered = write(tmp_path / "sorted.csv", csv_text(["timestamp", "count"], rows))
    if order == "descending":
        rows = rows[::-1]
    else:
        rows = [rows[i] for i in np.random.default_rng(1).permutation(len(rows))]
    path = write(tmp_path / "order.csv", csv_text(["timestamp", "count"], rows))
    if order == "shuffled":
        needle = "occurs twice when summer time ends in Europe/London, and the rows are not in"
        with pytest.raises(
            DataError, match=rf"order\.csv: column 'timestamp', row .*{re.escape(needle)}"
        ):
            read_history(path, tz=LONDON)
        assert_cli_error(cli(path, "--tz", LONDON), "order.csv", needle)
        return
    pd.testing.assert_frame_equal(read_history(path, tz=LONDON), read_history(ordered, tz=LONDON))
    assert_cli_ok(cli(path, "--tz", LONDON))


def test_shuffled_contacts_in_a_repeated_hour_are_refused(tmp_path):
    rng = np.random.default_rng(2)
    seconds = rng.integers(0, 21 * 86400, 3000)
    instants = pd.Timestamp("2025-10-13", tz=LONDON) + pd.to_timedelta(np.sort(seconds), unit="s")
    wall = [t.strftime("%Y-%m-%dT%H:%M:%S") for t in instants]
    ordered = write(tmp_path / "calls.csv", csv_text(["timestamp"], [[w] for w in wall]))
    history = read_history(ordered, tz=LONDON)
    assert history["volume"].sum() == len(wall)
    shuffled = [[wall[i]] for i in rng.permutation(len(wall))]
    path = write(tmp_path / "shuffled.csv", csv_text(["timestamp"], shuffled))
    with pytest.raises(DataError, match=r"shuffled\.csv: .*not in time order"):
        read_history(path, tz=LONDON)


# ----------------------------------------------------------------------------- duplicates


@pytest.mark.parametrize(
    ("case", "needles"),
    [
        ("different", ("row 12: duplicate timestamp 2025-01-06 10:00:00", "(also in row 11)",
                       "with a different count (9 against 4)")),
        ("equal", ("row 12: duplicate timestamp 2025-01-06 10:00:00", "(also in row 11)",
                   "with the same count (4); remove the repeated row")),
        ("other text, same instant", ("row 12: duplicate timestamp 2025-01-06 10:00:00+00:00",
                                      "(also in row 11)", "'2025-01-06T10:00:00Z' and "
                                      "'2025-01-06T10:00:00+00:00' are the same instant")),
    ],
)  # fmt: skip
def test_duplicate_rows_name_both_rows(tmp_path, case, needles):
    stamps = iso(pd.date_range("2025-01-06", periods=21 * 24, freq="h"))
    rows = [[t, 4] for t in stamps]
    if case == "different":
        rows.insert(11, [stamps[10], 9])
    elif case == "equal":
        rows.insert(11, [stamps[10], 4])
    else:
        rows = [[t + "+00:00", 4] for t in stamps]
        rows.insert(11, ["2025-01-06T10:00:00Z", 4])
    path = write(tmp_path / "dup.csv", csv_text(["timestamp", "count"], rows))
    with pytest.raises(
        DataError, match=re.escape("dup.csv: column 'timestamp', row 12")
    ) as caught:
        read_history(path, tz="UTC")
    for needle in needles:
        assert needle in str(caught.value)
    assert_cli_error(cli(path, "--tz", "UTC"), "dup.csv", *needles)


@pytest.mark.parametrize("period", ["fall-back", "january"])
def test_naive_times_without_a_zone_name_the_tz_settings(tmp_path, period):
    rows = fall_back_rows()[0] if period == "fall-back" else None
    if rows is None:
        rows = [[t, c] for t, c in zip(*[iso(count_rows()["timestamp"]), [3] * 504], strict=True)]
    path = write(tmp_path / "naive.csv", csv_text(["timestamp", "count"], rows))
    needles = (
        f"column 'timestamp', row 1: timestamp {pd.Timestamp(rows[0][0])} has no UTC offset",
        "the tz argument, the --tz option or the [history] tz key",
    )
    with pytest.raises(DataError, match=re.escape("naive.csv: ")) as caught:
        read_history(path)
    for needle in needles:
        assert needle in str(caught.value)
    assert_cli_error(cli(path), "naive.csv", *needles)
    # with the zone: a source that keeps 24 hours on every day is read as UTC
    history = read_history(path, tz=LONDON if period == "fall-back" else "UTC")
    hours = history.groupby(history["interval_start"].dt.date).size()
    assert hours.max() == (25 if period == "fall-back" else 24)


# ----------------------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("1e12", "count above the limit of 1,000,000,000 contacts per row, got '1e12'"),
        ("1000000000.5", "count above the limit"),
        ("99999999999999999999999", "count above the limit"),
        ("1e400", "count is infinite"),
        ("-inf", "count is infinite"),
        ("-3", "count is negative, got '-3'"),
        ("0x10", "expected a number of contacts, got '0x10'"),
        ("1e9", None),
        ("2.5", None),
        ("nan", None),
        ("", None),
    ],
)
def test_count_limits(tmp_path, value, needle):
    frame = count_rows()
    path = write_counts(tmp_path / "c.csv", frame.assign(count=frame["count"].astype(str)))
    text = path.read_text().splitlines()
    text[6] = f"{text[6].split(',')[0]},{value}"  # data row 6
    path.write_text("\n".join(text) + "\n")
    if needle is None:
        history = read_history(path, tz="UTC")
        got = history["volume"].iloc[5]
        assert np.isnan(got) if value in ("nan", "") else got == float(value)
        assert len(history.attrs["gaps"]) == (1 if value in ("nan", "") else 0)
        return
    with pytest.raises(DataError, match=re.escape("c.csv: column 'count', row 6: ")) as caught:
        read_history(path, tz="UTC")
    assert needle in str(caught.value)
    assert_cli_error(cli(path, "--tz", "UTC"), "c.csv", "column 'count', row 6", needle)


def test_count_limit_applies_to_binary_files(tmp_path):
    frame = count_rows()[["timestamp", "count"]]
    frame.loc[9, "count"] = int(MAX_COUNT)
    frame.to_parquet(tmp_path / "limit.parquet")
    assert read_history(tmp_path / "limit.parquet", tz="UTC")["volume"].max() == MAX_COUNT
    frame.loc[9, "count"] = int(MAX_COUNT) + 1
    frame.to_parquet(tmp_path / "big.parquet")
    with pytest.raises(
        DataError, match=re.escape("big.parquet: column 'count', row 10: count above")
    ):
        read_history(tmp_path / "big.parquet", tz="UTC")


# ----------------------------------------------------------------------------- shapes


@pytest.mark.parametrize(
    ("shape", "needle"),
    [
        ("one day", "1.0 days of history; at least 14 days are needed"),
        ("13.96 days", "13.9 days of history; at least 14 days are needed"),
        ("two weeks", None),
        ("all zeros", None),
        ("500 queues", None),
    ],
)
def test_history_shapes(tmp_path, shape, needle):
    frame = {
        "one day": lambda: count_rows(days=1),
        "13.96 days": lambda: count_rows(days=14, start="2025-10-20", tz=LONDON),  # 335 h
        "two weeks": lambda: count_rows(days=14),
        "all zeros": lambda: count_rows().assign(count=0),
        "500 queues": lambda: count_rows(days=15, queues=tuple(f"q{i:03d}" for i in range(500))),
    }[shape]()
    path = write_counts(tmp_path / "s.csv", frame)
    if needle is not None:
        with pytest.raises(DataError, match=re.escape(f"s.csv: {needle}")):
            read_history(path, tz=LONDON)
        assert_cli_error(cli(path, "--tz", LONDON), "s.csv", needle)
        return
    history = read_history(path, tz="UTC")
    assert totals(history, "volume") == totals(frame, "count")
    assert len(history) == len(frame)
    if shape == "all zeros":
        assert_cli_ok(cli(path, "--tz", "UTC"))
        assert (pd.read_csv(path.with_name("forecast-s.csv"))["volume"] == 0).all()


# ----------------------------------------------------------------------------- intervals


@pytest.mark.parametrize(
    ("step", "interval", "needle"),
    [
        (6, 60, None),
        (6, 30, None),
        (5, 15, None),
        (20, 60, None),
        (6, 15, "the counts are per 6 minutes; cannot make 15-minute intervals from them "
                 "(interval_minutes must be a multiple of 6: 30 or 60)"),
        (7, 60, "none of 15, 30 or 60 minutes is a multiple of 7"),
        (90, 60, "none of 15, 30 or 60 minutes is a multiple of 90"),
    ],
)  # fmt: skip
def test_interval_lengths(tmp_path, step, interval, needle):
    frame = count_rows(minutes=step)
    path = write_counts(tmp_path / "g.csv", frame)
    if needle is not None:
        with pytest.raises(DataError, match=re.escape("g.csv: column 'timestamp': ")) as caught:
            read_history(path, interval_minutes=interval, tz="UTC")
        assert needle in str(caught.value)
        assert_cli_error(cli(path, "--tz", "UTC", "--interval-minutes", interval), "g.csv", needle)
        return
    history = read_history(path, interval_minutes=interval, tz="UTC")
    expected: Counter = Counter()
    for stamp, count in zip(frame["timestamp"], frame["count"], strict=True):
        expected[stamp.floor(f"{interval}min").tz_localize("UTC")] += count
    assert dict(zip(history["interval_start"], history["volume"], strict=True)) == expected
    assert_cli_ok(cli(path, "--tz", "UTC", "--interval-minutes", interval))


# ----------------------------------------------------------------------------- real data


@pytest.mark.realdata
@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data is absent")
def test_real_hourly_file_through_the_command(tmp_path):
    path = tmp_path / "bank.csv"
    path.write_bytes((REAL / "anonymous_bank_1999h1.hourly.csv").read_bytes())
    assert_cli_ok(cli(path, "--tz", "Asia/Jerusalem"))
    semicolons = tmp_path / "bank-semicolons.csv"
    semicolons.write_bytes(path.read_bytes().replace(b",", b";").decode().encode("utf-16"))
    ours = read_history(semicolons, tz="Asia/Jerusalem")
    pd.testing.assert_frame_equal(ours, read_history(path, tz="Asia/Jerusalem"))
