"""Reading contact history (staffing.io): schema, time zones, resampling, gaps, bad input."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from staffing.errors import DataError
from staffing.io import (
    COUNT_NAMES,
    GAP_COLUMNS,
    TIMESTAMP_NAMES,
    Gap,
    find_gaps,
    read_frame_csv,
    read_history,
    write_frame_csv,
)

FIXTURES = Path(__file__).parent / "fixtures"
REAL = Path(__file__).resolve().parents[2] / "shared" / "data"
LONDON, JERUSALEM = "Europe/London", "Asia/Jerusalem"


def write_rows(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def hourly_rows(start: str, days: int, value: object = 3) -> list[list[object]]:
    first = datetime.fromisoformat(start)
    return [[(first + timedelta(hours=h)).isoformat(), value] for h in range(days * 24)]


def local_days(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby(frame["interval_start"].dt.date).size()


def transitions(tz: str, year: int) -> tuple[datetime, datetime]:
    """Local wall-clock hours skipped and repeated in ``year``, found with zoneinfo."""
    zone = ZoneInfo(tz)
    skipped = repeated = None
    hour = datetime(year, 1, 1)
    while hour.year == year:
        there = hour.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
        if there.replace(tzinfo=None) != hour:
            skipped = skipped or hour
        if (
            hour.replace(tzinfo=zone, fold=0).utcoffset()
            != hour.replace(tzinfo=zone, fold=1).utcoffset()
            and there.replace(tzinfo=None) == hour
        ):
            repeated = repeated or hour
        hour += timedelta(hours=1)
    assert skipped is not None
    assert repeated is not None
    return skipped, repeated


def reference_counts(naive: list[datetime], tz: str, minutes: int) -> Counter:
    """Contacts per interval, keyed by the UTC start, computed with zoneinfo.

    A repeated time is its first occurrence (fold 0); a skipped time moves to the first
    instant whose local time is later, found by stepping through UTC minute by minute.
    """
    zone = ZoneInfo(tz)
    counts: Counter = Counter()
    for stamp in naive:
        local = stamp.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
        if local.replace(tzinfo=None) != stamp:  # skipped by the clock change
            instant = stamp.replace(tzinfo=zone, fold=1).astimezone(UTC)
            while instant.astimezone(zone).replace(tzinfo=None) <= stamp:
                instant += timedelta(minutes=1)
            local = instant.astimezone(zone)
        start = local.replace(minute=local.minute // minutes * minutes, second=0, microsecond=0)
        counts[start.astimezone(UTC)] += 1
    return counts


# ----------------------------------------------------------------------------- schema


def test_fixture_reads_into_tidy_schema_with_totals_per_queue():
    path = FIXTURES / "history_hourly_two_queues.csv"
    totals: Counter = Counter()
    with path.open() as handle:
        for row in csv.DictReader(handle):
            totals[row["queue"]] += int(row["count"])
    history = read_history(path, tz=LONDON)
    assert list(history.columns) == ["interval_start", "queue", "volume"]
    assert str(history["interval_start"].dt.tz) == LONDON
    assert history["volume"].dtype == np.float64
    assert pd.api.types.is_string_dtype(history["queue"])
    assert history.groupby("queue")["volume"].sum().to_dict() == dict(totals)
    assert history.equals(history.sort_values(["queue", "interval_start"], ignore_index=True))
    assert history.attrs["gaps"] == ()
    assert history.attrs["interval_minutes"] == 60
    # the 30 March 2025 spring-forward day has 23 hours
    assert (
        local_days(history[history["queue"] == "chat"]).loc[pd.Timestamp("2025-03-30").date()]
        == 23
    )


def test_queue_selection_and_unknown_queue():
    path = FIXTURES / "history_hourly_two_queues.csv"
    chat = read_history(path, tz=LONDON, queue="chat")
    assert set(chat["queue"]) == {"chat"}
    with pytest.raises(
        DataError, match=r"history_hourly_two_queues.csv: no queue 'sms'.*chat, phone"
    ):
        read_history(path, tz=LONDON, queue="sms")


def test_queue_column_false_pools_queues():
    path = FIXTURES / "history_hourly_two_queues.csv"
    with pytest.raises(DataError, match="duplicate timestamp"):
        read_history(path, tz=LONDON, queue_column=False)
    contacts = read_history(
        FIXTURES / "contacts_small.csv", tz=LONDON, queue_column=False, min_history_days=0
    )
    assert set(contacts["queue"]) == {"all"}


@pytest.mark.parametrize("ts_name", TIMESTAMP_NAMES)
@pytest.mark.parametrize("count_name", [*COUNT_NAMES, "Calls"])
def test_column_names_are_detected(tmp_path, ts_name, count_name):
    path = write_rows(tmp_path / "h.csv", [ts_name, count_name], hourly_rows("2025-01-06", 14))
    history = read_history(path, tz="UTC")
    assert history["volume"].sum() == 3 * 14 * 24


def test_explicit_unknown_column_names_file_and_columns(tmp_path):
    path = write_rows(tmp_path / "h.csv", ["when", "n_calls"], hourly_rows("2025-01-06", 14))
    with pytest.raises(
        DataError,
        match=r"h.csv: no column 'calls' \(count_column\); columns present: when, n_calls",
    ):
        read_history(path, timestamp_column="when", count_column="calls")
    with pytest.raises(DataError, match=r"h.csv: no timestamp column found.*when, n_calls"):
        read_history(path)
    history = read_history(path, timestamp_column="when", count_column="n_calls", tz="UTC")
    assert history["volume"].sum() == 3 * 14 * 24


def test_contacts_are_counted_per_interval_against_a_reference():
    path = FIXTURES / "contacts_small.csv"
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    for minutes in (15, 30, 60):
        history = read_history(path, tz=LONDON, interval_minutes=minutes, min_history_days=0)
        assert history["volume"].sum() == len(rows)
        for queue in ("chat", "phone"):
            stamps = [datetime.fromisoformat(r["time"]) for r in rows if r["channel"] == queue]
            expected = reference_counts(stamps, LONDON, minutes)
            got = history[history["queue"] == queue]
            got = got[got["volume"] > 0]
            keys = [t.to_pydatetime().astimezone(UTC) for t in got["interval_start"]]
            assert dict(zip(keys, got["volume"], strict=True)) == expected
        # both queues on the same grid: first to last contact of the file
        grids = history.groupby("queue")["interval_start"].agg(["min", "max", "size"])
        assert grids.nunique().eq(1).all()


def test_intervals_without_contacts_are_zero_and_grid_is_regular():
    history = read_history(FIXTURES / "contacts_small.csv", tz="UTC", min_history_days=0)
    for _, group in history.groupby("queue"):
        steps = group["interval_start"].diff().dropna().unique()
        assert list(steps) == [pd.Timedelta(1, unit="h")]
    assert (history["volume"] == 0).sum() > 0


def test_series_and_dataframe_sources():
    index = pd.date_range("2025-01-06", periods=14 * 24, freq="h", name="ts")
    series = pd.Series(2.0, index=index, name="whatever")
    assert read_history(series, tz="UTC")["volume"].sum() == 2 * 14 * 24
    frame = series.to_frame("volume")
    assert read_history(frame, tz="UTC")["volume"].sum() == 2 * 14 * 24
    contacts = pd.Series(
        pd.to_datetime(["2025-01-06 10:00", "2025-01-06 10:59", "2025-01-06 11:00"])
    )
    counted = read_history(contacts, tz="UTC", min_history_days=0)
    assert counted["volume"].tolist() == [2.0, 1.0]


def test_fractional_counts_are_kept(tmp_path):
    rows = hourly_rows("2025-01-06", 14)
    rows[5][1] = "2.5"
    path = write_rows(tmp_path / "h.csv", ["timestamp", "count"], rows)
    history = read_history(path, tz="UTC")
    assert history["volume"].iloc[5] == 2.5


def test_results_concatenate_with_their_gaps():
    path = FIXTURES / "history_hourly_two_queues.csv"
    both = pd.concat([read_history(path, tz=LONDON, queue=q) for q in ("chat", "phone")])
    assert len(both) == 2 * 14 * 24 - 2


# ----------------------------------------------------------------------------- time zones


def test_offsets_are_kept_in_utc_or_converted(tmp_path):
    rows = [
        [t.isoformat(), 1]
        for t in pd.date_range("2025-03-24", periods=14 * 24, freq="h", tz=LONDON)
    ]
    path = write_rows(tmp_path / "h.csv", ["timestamp", "count"], rows)
    in_utc = read_history(path)
    assert str(in_utc["interval_start"].dt.tz) == "UTC"
    local = read_history(path, tz=LONDON)
    assert local["interval_start"].equals(in_utc["interval_start"].dt.tz_convert(LONDON))
    assert len(local) == 14 * 24
    assert local["volume"].eq(1).all()


def test_naive_without_tz_is_refused_and_utc_keeps_24_hour_days():
    path = FIXTURES / "history_hourly_two_queues.csv"
    with pytest.raises(
        DataError,
        match=r"history_hourly_two_queues.csv: column 'timestamp', row 1: timestamp .* has no "
        r"UTC offset and no time zone was given; .*\(the tz argument, the --tz option or the "
        r"\[history\] tz key\)",
    ):
        read_history(path)
    history = read_history(path, tz="UTC")  # a source that keeps 24 hours on every day
    assert local_days(history[history["queue"] == "chat"]).eq(24).all()


@pytest.mark.parametrize(("tz", "year"), [(LONDON, 2025), (JERUSALEM, 1999), (JERUSALEM, 2024)])
def test_spring_forward_day_has_23_hours_and_keeps_the_count(tmp_path, tz, year):
    skipped, _ = transitions(tz, year)
    day = skipped.replace(hour=0)
    rows = hourly_rows((day - timedelta(days=7)).isoformat(), 15, value=1)
    for row in rows:
        if row[0] == skipped.isoformat():
            row[1] = 5  # a count filed under the hour that does not exist
    path = write_rows(tmp_path / "h.csv", ["timestamp", "count"], rows)
    history = read_history(path, tz=tz)
    assert local_days(history).loc[day.date()] == 23
    assert history["volume"].sum() == 15 * 24 - 1 + 5
    after = pd.Timestamp(skipped + timedelta(hours=1)).tz_localize(tz)
    assert history.set_index("interval_start").loc[after, "volume"] == 6
    assert history.attrs["gaps"] == ()
    # a zero count in the skipped hour is dropped
    for row in rows:
        if row[0] == skipped.isoformat():
            row[1] = 0
    history = read_history(write_rows(tmp_path / "z.csv", ["timestamp", "count"], rows), tz=tz)
    assert history.set_index("interval_start").loc[after, "volume"] == 1


@pytest.mark.parametrize(("tz", "year"), [(LONDON, 2025), (JERUSALEM, 1999), (JERUSALEM, 2024)])
def test_fall_back_day_has_25_hours(tmp_path, tz, year):
    _, repeated = transitions(tz, year)
    day = repeated.replace(hour=0)
    rows = hourly_rows((day - timedelta(days=7)).isoformat(), 15, value=1)
    at = next(i for i, row in enumerate(rows) if row[0] == repeated.isoformat())
    rows.insert(at + 1, [repeated.isoformat(), 7])  # the repeated hour, second time
    history = read_history(write_rows(tmp_path / "h.csv", ["timestamp", "count"], rows), tz=tz)
    assert local_days(history).loc[day.date()] == 25
    first = pd.Timestamp(repeated).tz_localize(tz, ambiguous=True)
    second = pd.Timestamp(repeated).tz_localize(tz, ambiguous=False)
    volume = history.set_index("interval_start")["volume"]
    assert (volume.loc[first], volume.loc[second]) == (1, 7)
    assert history.attrs["gaps"] == ()
    # listed once, the repeated hour is the first (summer-time) one; the second is a gap
    del rows[at + 1]
    once = read_history(write_rows(tmp_path / "o.csv", ["timestamp", "count"], rows), tz=tz)
    assert once.set_index("interval_start")["volume"].loc[first] == 1
    assert once.attrs["gaps"] == (
        Gap("all", second, second + pd.Timedelta(1, unit="h"), 1, "missing"),
    )
    # three times is a duplicate
    rows[at:at] = [[repeated.isoformat(), 1], [repeated.isoformat(), 1]]
    with pytest.raises(
        DataError, match=rf"row {at + 3}: duplicate timestamp .*also in row {at + 1}"
    ):
        read_history(write_rows(tmp_path / "t.csv", ["timestamp", "count"], rows), tz=tz)


def test_contacts_in_repeated_hour_split_at_the_backward_step(tmp_path):
    stamps = ["2025-10-26 00:50", "2025-10-26 01:10", "2025-10-26 01:50", "2025-10-26 01:05",
              "2025-10-26 01:30", "2025-10-26 02:10"]  # fmt: skip
    path = write_rows(tmp_path / "c.csv", ["timestamp"], [[s] for s in stamps])
    history = read_history(path, tz=LONDON, min_history_days=0)
    assert history["volume"].tolist() == [1.0, 2.0, 2.0, 1.0]
    assert history["interval_start"].dt.strftime("%H:%M%z").tolist() == [
        "00:00+0100", "01:00+0100", "01:00+0000", "02:00+0000"
    ]  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(offsets=[90000, 91800, 93000], start="2025-10-25", minutes=60)  # 01:00 twice
@example(offsets=[90000, 91800, 93000], start="2025-03-29", minutes=30)  # 01:00 skipped
@given(
    offsets=st.lists(st.integers(0, 4 * 86400 - 1), min_size=1, max_size=60),
    start=st.sampled_from(["2025-03-29", "2025-10-25", "2025-06-01"]),
    minutes=st.sampled_from([15, 30, 60]),
)
def test_contact_counts_match_zoneinfo_reference(offsets, start, minutes):
    first = datetime.fromisoformat(start)
    naive = sorted(first + timedelta(seconds=s) for s in offsets)
    frame = pd.DataFrame({"timestamp": [t.isoformat() for t in naive]})
    history = read_history(frame, tz=LONDON, interval_minutes=minutes, min_history_days=0)
    assert history["volume"].sum() == len(naive)
    got = history[history["volume"] > 0]
    keys = [t.to_pydatetime().astimezone(UTC) for t in got["interval_start"]]
    assert dict(zip(keys, got["volume"], strict=True)) == reference_counts(naive, LONDON, minutes)


# ----------------------------------------------------------------------------- resampling


@settings(max_examples=30, deadline=None)
@given(
    hours=st.lists(st.lists(st.integers(0, 50), min_size=4, max_size=4), min_size=1, max_size=50),
    tz=st.sampled_from(["UTC", LONDON]),
    start=st.sampled_from(["2025-03-30T00:00:00", "2025-10-26T00:00:00", "2025-01-01T00:00:00"]),
)
def test_quarter_hours_sum_to_hours(hours, tz, start):
    counts = [count for hour in hours for count in hour]
    stamps = pd.date_range(start, periods=len(counts), freq="15min")
    frame = pd.DataFrame({"timestamp": stamps.strftime("%Y-%m-%dT%H:%M:%S"), "count": counts})
    hourly = read_history(frame, tz=tz, min_history_days=0)
    assert hourly["volume"].sum() == sum(counts)
    if tz == "UTC":
        expected = [sum(counts[i : i + 4]) for i in range(0, len(counts), 4)]
        assert hourly["volume"].tolist() == expected


def test_six_minute_counts_sum_to_hours_and_partial_edges_are_trimmed(tmp_path):
    first = datetime(2025, 1, 6, 0, 30)
    rows = [[(first + timedelta(minutes=6 * i)).isoformat(), i % 3] for i in range(10 * 24 * 15)]
    history = read_history(write_rows(tmp_path / "h.csv", ["timestamp", "count"], rows), tz="UTC",
                           min_history_days=0)  # fmt: skip
    assert history["interval_start"].iloc[0] == pd.Timestamp("2025-01-06 01:00", tz="UTC")
    reference: Counter = Counter()
    for stamp, count in rows:
        reference[stamp[:13]] += count
    got = dict(zip(history["interval_start"].dt.strftime("%Y-%m-%dT%H"), history["volume"],
                   strict=True))  # fmt: skip
    assert got == {k: v for k, v in reference.items() if k in got}
    assert len(got) == len(reference) - 2  # the partial first and last hours
    with pytest.raises(DataError, match=r"counts are per 6 minutes; cannot make 15-minute"):
        read_history(tmp_path / "h.csv", tz="UTC", interval_minutes=15, min_history_days=0)


def test_missing_sub_interval_makes_the_hour_a_gap(tmp_path):
    first = datetime(2025, 1, 6)
    rows = [[(first + timedelta(minutes=15 * i)).isoformat(), 1] for i in range(14 * 96)]
    del rows[41]  # 10:15 on the first day
    history = read_history(write_rows(tmp_path / "h.csv", ["timestamp", "count"], rows), tz="UTC")
    assert history["volume"].isna().sum() == 1
    start = pd.Timestamp("2025-01-06 10:00", tz="UTC")
    assert history.attrs["gaps"] == (
        Gap("all", start, start + pd.Timedelta(1, unit="h"), 1, "missing"),
    )


def test_finer_grain_than_data_is_an_error(tmp_path):
    path = write_rows(tmp_path / "h.csv", ["timestamp", "count"], hourly_rows("2025-01-06", 14))
    with pytest.raises(
        DataError, match=r"h.csv: column 'timestamp': the counts are per 60 minutes"
    ):
        read_history(path, tz="UTC", interval_minutes=15)


def test_interval_minutes_is_checked():
    with pytest.raises(ValueError, match="interval_minutes must be 15, 30 or 60, got 45"):
        read_history(FIXTURES / "contacts_small.csv", interval_minutes=45)


def test_off_grid_timestamp_is_an_error(tmp_path):
    rows = hourly_rows("2025-01-06", 14)
    rows[9][0] = "2025-01-06T09:30:00"
    path = write_rows(tmp_path / "h.csv", ["timestamp", "count"], rows)
    with pytest.raises(
        DataError,
        match=r"row 10: timestamp 2025-01-06 09:30:00\+00:00 is not on the 60-minute grid",
    ):
        read_history(path, tz="UTC")


# ----------------------------------------------------------------------------- gaps


def test_missing_rows_are_nan_gaps(tmp_path):
    rows = hourly_rows("2025-01-06", 14)
    del rows[100:103]
    history = read_history(write_rows(tmp_path / "h.csv", ["timestamp", "count"], rows), tz="UTC")
    start = pd.Timestamp("2025-01-06", tz="UTC") + pd.Timedelta(100, unit="h")
    assert history["volume"].isna().sum() == 3
    assert history.attrs["gaps"] == (
        Gap("all", start, start + pd.Timedelta(3, unit="h"), 3, "missing"),
    )
    table = find_gaps(history)
    assert list(table.columns) == list(GAP_COLUMNS)
    assert table.to_dict("records") == [
        {"queue": "all", "start": start, "end": start + pd.Timedelta(3, unit="h"), "intervals": 3,
         "reason": "missing"}
    ]  # fmt: skip
    assert find_gaps(history.dropna()).equals(table)


def busy_contacts(weeks: int, outage: tuple[str, str] | None) -> pd.DataFrame:
    """Contacts every 4 minutes 09:00-17:00 on each day, none inside the outage (local)."""
    days = pd.date_range("2025-01-06", periods=7 * weeks, freq="D")
    stamps = [day + pd.Timedelta(9 * 60 + 4 * i, unit="min") for day in days for i in range(120)]
    frame = pd.DataFrame({"timestamp": stamps, "queue": "phone"})
    if outage is not None:
        inside = (frame["timestamp"] >= outage[0]) & (frame["timestamp"] < outage[1])
        frame = frame[~inside]
    return frame


def test_zero_run_in_busy_hours_is_a_gap():
    frame = busy_contacts(3, ("2025-01-14 11:00", "2025-01-14 14:00"))
    history = read_history(frame, tz=LONDON)
    start = pd.Timestamp("2025-01-14 11:00", tz=LONDON)
    assert history.attrs["gaps"] == (
        Gap("phone", start, start + pd.Timedelta(3, unit="h"), 3, "zero run"),
    )
    assert history["volume"].isna().sum() == 3
    assert history["volume"].sum() == len(frame)
    # nights, with no contacts in any week, are zeros and not gaps
    assert (history["volume"] == 0).sum() == 3 * 7 * 16 - 16
    listed = find_gaps(read_history(frame, tz=LONDON, zero_runs=False), zero_runs=True)
    assert listed[["start", "intervals", "reason"]].values.tolist() == [[start, 3, "zero run"]]


def test_short_quiet_spell_is_not_a_gap():
    frame = busy_contacts(3, ("2025-01-14 11:00", "2025-01-14 11:20"))  # 5 contacts missing
    history = read_history(frame, tz=LONDON)
    assert history.attrs["gaps"] == ()
    assert not find_gaps(history, zero_runs=True).shape[0]


def test_count_data_zeros_are_trusted_by_default(tmp_path):
    rows = [[r[0], 0 if "T03" in r[0] else 20] for r in hourly_rows("2025-01-06", 14)]
    rows[10][1] = 0
    path = write_rows(tmp_path / "h.csv", ["timestamp", "count"], rows)
    assert read_history(path, tz="UTC").attrs["gaps"] == ()
    flagged = read_history(path, tz="UTC", zero_runs=True, min_expected=10)
    assert [gap.start for gap in flagged.attrs["gaps"]] == [
        pd.Timestamp("2025-01-06 10:00", tz="UTC")
    ]


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", r"column 'count', row 6: expected a number of contacts, got 'abc'"),
        ("-1", r"column 'count', row 6: count is negative, got '-1'"),
        ("inf", r"column 'count', row 6: count is infinite, got 'inf'"),
    ],
)
def test_bad_counts_name_file_column_and_row(tmp_path, value, message):
    rows = hourly_rows("2025-01-06", 14)
    rows[5][1] = value
    path = write_rows(tmp_path / "bad.csv", ["timestamp", "count"], rows)
    with pytest.raises(DataError, match=rf"bad.csv: {message}"):
        read_history(path)


def test_blank_count_is_a_missing_interval(tmp_path):
    rows = hourly_rows("2025-01-06", 14)
    rows[5][1] = ""
    history = read_history(write_rows(tmp_path / "h.csv", ["timestamp", "count"], rows), tz="UTC")
    assert [gap.reason for gap in history.attrs["gaps"]] == ["missing"]


@pytest.mark.parametrize("value", ["2025-01-06T25:00:00", "yesterday", "", "06/01/2025 05:00"])
def test_unparsable_timestamp_names_row(tmp_path, value):
    rows = hourly_rows("2025-01-06", 14)
    rows[5][0] = value
    path = write_rows(tmp_path / "bad.csv", ["timestamp", "count"], rows)
    with pytest.raises(
        DataError,
        match=rf"bad.csv: column 'timestamp', row 6: cannot parse timestamp.*got '{value}'",
    ):
        read_history(path)


def test_timestamp_format_reads_other_layouts(tmp_path):
    rows = [
        [datetime.fromisoformat(r[0]).strftime("%d/%m/%Y %H:%M"), r[1]]
        for r in hourly_rows("2025-01-06", 14)
    ]
    path = write_rows(tmp_path / "h.csv", ["timestamp", "count"], rows)
    history = read_history(path, timestamp_format="%d/%m/%Y %H:%M", tz="UTC")
    assert history["interval_start"].iloc[0] == pd.Timestamp("2025-01-06", tz="UTC")


def test_mixed_offsets_and_naive_is_an_error(tmp_path):
    rows = hourly_rows("2025-01-06", 14)
    rows[3][0] += "+00:00"
    path = write_rows(tmp_path / "bad.csv", ["timestamp", "count"], rows)
    with pytest.raises(DataError, match=r"row 4: timestamp .* has a UTC offset, unlike row 1"):
        read_history(path)


def test_duplicate_timestamp_in_a_queue(tmp_path):
    rows = [[*r, "phone"] for r in hourly_rows("2025-01-06", 14)]
    rows.insert(8, [rows[7][0], 1, "phone"])
    path = write_rows(tmp_path / "bad.csv", ["timestamp", "count", "queue"], rows)
    with pytest.raises(
        DataError,
        match=r"bad.csv: column 'timestamp', row 9: duplicate timestamp 2025-01-06 07:00:00 "
        r"in queue 'phone' \(also in row 8\)",
    ):
        read_history(path, tz="UTC")
    rows[8][2] = "chat"  # the same time in another queue is fine
    history = read_history(
        write_rows(tmp_path / "ok.csv", ["timestamp", "count", "queue"], rows),
        tz="UTC",
        min_history_days=0,
    )
    assert set(history["queue"]) == {"chat", "phone"}


def test_too_short_history(tmp_path):
    path = write_rows(
        tmp_path / "short.csv", ["timestamp", "count"], hourly_rows("2025-01-06", 10)
    )
    with pytest.raises(
        DataError, match=r"short.csv: 10.0 days of history; at least 14 days are needed"
    ):
        read_history(path, tz="UTC")
    assert len(read_history(path, tz="UTC", min_history_days=0)) == 240
    assert len(read_history(path, tz="UTC", min_history_days=10)) == 240


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "the file is empty"), ("timestamp,count\n", "no data rows"), ("\x00\xff\xfe", "")],
)
def test_empty_and_unreadable_files(tmp_path, content, message):
    path = tmp_path / "h.csv"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(DataError, match=rf"h.csv: .*{message}"):
        read_history(path)


def test_missing_file_and_unsupported_type(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope.csv: no such file"):
        read_history(tmp_path / "nope.csv")
    (tmp_path / "h.json").write_text("{}")
    with pytest.raises(DataError, match=r"h.json: unsupported file type"):
        read_history(tmp_path / "h.json")


def test_gzip_parquet_and_excel(tmp_path):
    stamps = pd.date_range("2025-01-06", periods=14 * 24, freq="h")
    frame = pd.DataFrame({"Timestamp": stamps, "Volume": np.arange(len(stamps)) % 7})
    frame.to_csv(tmp_path / "h.csv.gz", index=False)
    frame.assign(Timestamp=stamps.tz_localize(LONDON)).to_parquet(tmp_path / "h.parquet")
    with pd.ExcelWriter(tmp_path / "h.xlsx") as writer:
        frame.head(3).to_excel(writer, sheet_name="notes", index=False)
        frame.to_excel(writer, sheet_name="history", index=False)
    expected = float(frame["Volume"].sum())
    assert read_history(tmp_path / "h.csv.gz", tz=LONDON)["volume"].sum() == expected
    parquet = read_history(tmp_path / "h.parquet")
    assert str(parquet["interval_start"].dt.tz) == LONDON
    assert parquet["volume"].sum() == expected
    excel = read_history(tmp_path / "h.xlsx", sheet_name="history", tz=LONDON)
    assert excel["volume"].sum() == expected
    with pytest.raises(DataError, match=r"h.xlsx: cannot read as Excel"):
        read_history(tmp_path / "h.xlsx", sheet_name="missing")
    (tmp_path / "fake.xlsx").write_text("not a workbook")
    with pytest.raises(DataError, match=r"fake.xlsx: cannot read as Excel"):
        read_history(tmp_path / "fake.xlsx")


def test_missing_optional_reader_names_the_extra(tmp_path, monkeypatch):
    (tmp_path / "h.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(
        DataError, match=r'h.parquet: .*needs pyarrow.*pip install "staffing\[io\]"'
    ):
        read_history(tmp_path / "h.parquet")


# ----------------------------------------------------------------------------- writing


def test_write_frame_csv_writes_offsets_and_refuses_to_overwrite(tmp_path):
    stamps = pd.date_range("2025-03-30 00:00", periods=3, freq="h", tz=LONDON)
    frame = pd.DataFrame({"volume": [1.5, 2.0, 0.0]}, index=stamps)
    path = write_frame_csv(frame, tmp_path / "f.csv")
    assert path.read_text().splitlines() == [
        "interval_start,volume",
        "2025-03-30T00:00:00+00:00,1.5",
        "2025-03-30T02:00:00+01:00,2.0",
        "2025-03-30T03:00:00+01:00,0.0",
    ]
    with pytest.raises(FileExistsError, match=r"f.csv: file exists; pass force=True"):
        write_frame_csv(frame, path)
    write_frame_csv(frame.head(1), path, force=True)
    assert len(path.read_text().splitlines()) == 2


def test_written_history_reads_back(tmp_path):
    history = read_history(FIXTURES / "history_hourly_two_queues.csv", tz=LONDON)
    path = write_frame_csv(history, tmp_path / "h.csv.gz")
    back = read_frame_csv(path, LONDON)
    pd.testing.assert_frame_equal(back, history, check_dtype=False, check_index_type=False)
    again = read_history(path, tz=LONDON)
    pd.testing.assert_frame_equal(again, history, check_like=False)


@settings(max_examples=40, deadline=None)
@given(
    tz=st.sampled_from(["UTC", LONDON, JERUSALEM, "America/St_Johns", "Asia/Kathmandu"]),
    seconds=st.lists(st.integers(0, 3 * 365 * 86400), min_size=1, max_size=30),
    values=st.floats(allow_nan=False, allow_infinity=False, width=64),
)
def test_write_read_round_trip(tmp_path_factory, tz, seconds, values):
    stamps = pd.to_datetime(pd.Series(seconds) * 10**9, utc=True).dt.tz_convert(tz)
    frame = pd.DataFrame({"interval_start": stamps, "queue": "q", "volume": values})
    path = write_frame_csv(frame, tmp_path_factory.mktemp("rt") / "f.csv")
    back = read_frame_csv(path, tz)
    assert back["interval_start"].equals(
        frame["interval_start"].astype(back["interval_start"].dtype)
    )
    assert back["volume"].tolist() == frame["volume"].tolist()


def test_io_re_exports_the_timegrid_functions():
    import staffing.io
    import staffing.roster.output
    import staffing.timegrid

    for name in ("floor_to_interval", "read_frame_csv", "write_frame_csv"):
        assert getattr(staffing.io, name) is getattr(staffing.timegrid, name)
    for name in ("format_breaks", "parse_breaks"):
        assert getattr(staffing.roster.output, name) is getattr(staffing.timegrid, name)


def test_read_frame_csv_accepts_every_offset_form_and_keeps_a_single_offset(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(
        "interval_start,queue,volume\n"
        "2025-07-01T09:00:00+01:00,007,1\n"
        "2025-07-01T10:00:00+0100,007,2\n"
    )
    frame = read_frame_csv(path)
    assert str(frame["interval_start"].dt.tz) == "UTC+01:00"
    assert [t.hour for t in frame["interval_start"]] == [9, 10]
    assert frame["queue"].tolist() == ["007"] * 2  # queue names stay text
    back = write_frame_csv(frame, tmp_path / "back.csv")
    assert back.read_text().splitlines()[2] == "2025-07-01T10:00:00+01:00,007,2"
    path.write_text("interval_start,volume\n2025-07-01T09:00:00Z,1\n2025-07-01T09:00:00+01:00,2\n")
    frame = read_frame_csv(path, LONDON)
    assert [t.isoformat() for t in frame["interval_start"]] == [
        "2025-07-01T10:00:00+01:00",
        "2025-07-01T09:00:00+01:00",
    ]


def test_read_frame_csv_with_several_offsets_is_utc_or_asks_for_the_zone(tmp_path):
    stamps = pd.date_range("2025-10-25 23:00", periods=4, freq="h", tz=LONDON)
    path = write_frame_csv(pd.DataFrame({"interval_start": stamps, "required": 1}), tmp_path / "r")
    assert str(read_frame_csv(path)["interval_start"].dt.tz) == "UTC"
    local = read_frame_csv(path, LONDON)["interval_start"]
    assert [t.strftime("%H:%M%z") for t in local] == ["23:00+0100", "00:00+0100", "01:00+0100",
                                                       "01:00+0000"]  # fmt: skip
    with pytest.raises(DataError, match=r"column 'interval_start': .*several UTC offsets "
                       r"\(\+00:00, \+01:00\).*give the time zone with --tz"):  # fmt: skip
        read_frame_csv(path, zone_option="--tz")
    assert read_frame_csv(path, LONDON, zone_option="--tz")["interval_start"].equals(local)


@pytest.mark.parametrize(
    ("cell", "what"),
    [("2025-07-01 25:00+01:00", "cannot parse timestamp"), ("", "cannot parse timestamp")],
)
def test_read_frame_csv_names_file_column_and_row_of_a_bad_stamp(tmp_path, cell, what):
    path = tmp_path / "roster.csv"
    path.write_text(
        "start,end,agents\n"
        "2025-07-01T09:00:00+01:00,2025-07-01T17:00:00+01:00,1\n"
        f"2025-07-01T09:00:00+01:00,{cell},1\n"
    )
    with pytest.raises(DataError, match=rf"roster.csv: column 'end', row 2: {what}"):
        read_frame_csv(path)


def test_read_frame_csv_refuses_offsets_on_some_rows_only(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("interval_start,volume\n2025-07-01T09:00:00+01:00,1\n2025-07-01T10:00,2\n")
    with pytest.raises(DataError, match=r"f.csv: column 'interval_start', row 2: .*has no UTC"):
        read_frame_csv(path)


def test_timegrid_index_has_23_and_25_hour_days_and_floors_back():
    from staffing.timegrid import TimeGrid

    grid = TimeGrid(60, LONDON)
    for first, hours in (("2025-03-30", 23), ("2025-10-26", 25)):
        starts = grid.index(first, 30)
        day = starts[starts.date == pd.Timestamp(first).date()]
        assert len(day) == hours
        assert (np.diff(starts.asi8) == np.diff(starts.asi8)[0]).all()  # one real hour apart
        late = pd.Series(starts + pd.Timedelta(59, unit="min"))
        assert grid.floor(late).equals(pd.Series(starts))
        assert grid.floor(starts + pd.Timedelta(1, unit="min")).equals(starts)
    with pytest.raises(ValueError, match="does not exist or occurs twice"):
        grid.index("2025-10-26 01:00", 2)
    with pytest.raises(ValueError, match="interval_minutes"):
        TimeGrid(0, LONDON)


def test_infer_interval_minutes_per_queue_and_without_a_step():
    from staffing.timegrid import infer_interval_minutes

    stamps = pd.date_range("2025-10-26", periods=6, freq="15min", tz=LONDON)
    assert infer_interval_minutes(stamps[[0, 2, 3, 5]]) == 15.0
    # two queues interleaved 15 minutes apart, each on a 30-minute grid
    assert infer_interval_minutes(stamps, ["a", "b"] * 3) == 30.0
    with pytest.raises(DataError, match=r"fc.csv: cannot infer the interval length"):
        infer_interval_minutes(stamps[[0, 0, 1]], ["a", "a", "b"], where="fc.csv")


def test_breaks_round_trip_and_bad_breaks_name_the_row():
    from staffing.timegrid import format_breaks, parse_breaks

    # the two 01:30 of the day summer time ends, later one first
    first, second = (
        pd.Timestamp(t).tz_convert(LONDON) for t in ("2025-10-26 00:30Z", "2025-10-26 01:30Z")
    )
    half = pd.Timedelta(30, unit="min")
    pairs = [(second, second + half), (first, first + half)]
    text = format_breaks(pairs)
    assert text == (
        "2025-10-26T01:30:00+00:00/2025-10-26T02:00:00+00:00;"
        "2025-10-26T01:30:00+01:00/2025-10-26T01:00:00+00:00"
    )
    assert parse_breaks(text) == sorted(pairs)
    assert parse_breaks(float("nan")) == []
    assert parse_breaks(" ") == []
    for bad in ("2025-10-26T01:30:00+00:00", "2025-10-26T01:30:00+00:00/soon", "a/b/c"):
        with pytest.raises(DataError, match=r"roster.csv, row 4: column 'breaks': expected"):
            parse_breaks(bad, "roster.csv, row 4")
    with pytest.raises(DataError, match="mixes times with and without"):
        parse_breaks("2025-10-26T01:30:00/2025-10-26T02:00:00+00:00")


# ----------------------------------------------------------------------------- real data


real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data is absent")


@pytest.mark.realdata
@real
def test_real_hourly_file_reads_in_jerusalem_time():
    path = REAL / "anonymous_bank_1999h1.hourly.csv"
    with path.open() as handle:
        total = sum(int(row["count"]) for row in csv.DictReader(handle))
    history = read_history(path, tz=JERUSALEM)
    assert history["volume"].sum() == total
    assert len(history) == 181 * 24 - 1
    assert local_days(history).loc[pd.Timestamp("1999-04-02").date()] == 23
    assert history.attrs["gaps"] == ()


@pytest.mark.realdata
@real
def test_real_six_minute_file_agrees_with_hourly_file():
    hourly = read_history(REAL / "anonymous_bank_1999h1.hourly.csv", tz=JERUSALEM)
    fine = read_history(REAL / "anonymous_bank_1999h1.6min.csv", tz=JERUSALEM)
    assert fine["interval_start"].equals(hourly["interval_start"])
    differ = fine["volume"] != hourly["volume"]
    assert set(fine.loc[differ, "interval_start"].dt.date) == {pd.Timestamp("1999-05-23").date()}
    assert (fine["volume"] - hourly["volume"]).abs().max() <= 0.5


@pytest.mark.realdata
@real
def test_real_call_records_count_per_queue():
    path = REAL / "anonymous_bank_1999-02.calls.csv"
    with path.open() as handle:
        queues = Counter(row["queue"] for row in csv.DictReader(handle))
    history = read_history(path, tz=JERUSALEM, zero_runs=False)
    assert history.groupby("queue")["volume"].sum().to_dict() == dict(queues)
    ps = read_history(path, tz=JERUSALEM, queue="PS")
    assert set(ps["queue"]) == {"PS"}


def test_tidy_example_passes_through_unchanged():
    from staffing.datasets import load_example

    example = load_example()
    history = read_history(example)
    expected = example.sort_values(["queue", "interval_start"], ignore_index=True)
    pd.testing.assert_frame_equal(history, expected, check_dtype=False)
    assert history.attrs["gaps"] == ()
