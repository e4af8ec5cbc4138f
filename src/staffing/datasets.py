r"""The bundled example: several months of synthetic contact history, and its generator.

The example shipped inside the package is *generated*, not recorded: :func:`generate_example`
draws it from a documented model, and ``src/staffing/data/example_history.csv.gz`` is exactly
what that function returns with its default arguments (a test checks this). The model's shape
follows what real contact-centre arrival data show: quiet nights with many zero hours, a morning
and an afternoon peak, a lighter weekend, near-empty public holidays and short-lived promotion
spikes.

The model
---------
For queue :math:`q` and the hour starting at local wall-clock time :math:`t`, the count is

.. math::

    N_{q,t} \sim \operatorname{Poisson}\big(\lambda_{q,t}\big), \qquad
    \lambda_{q,t} = b_q \, d_q(h_t) \, w_q(\mathrm{dow}_t) \, g(t) \, H_{q,t} \, P_t
    \, U_{q,\mathrm{day}(t)},

where :math:`b_q` is the queue's peak rate [contacts per hour], :math:`d_q` its hour-of-day
shape (two Gaussian peaks on a daytime plateau over a night floor, peak 1), :math:`w_q` its day-
of-week factor, :math:`g` a linear trend (``trend_per_year``), :math:`H` the public-holiday
factor on the holidays of the :class:`staffing.calendar.Calendar` of ``country`` and
``subdiv`` (the calendar the forecast and the requirements use), :math:`P` the promotion
factor on the promotion days, and :math:`U` a day-level log-normal multiplier (``day_noise``)
that makes counts over-dispersed as real ones are. Hours follow the local calendar of ``tz``,
so the day that summer time starts has 23 hours and the day it ends has 25.

Examples
--------
>>> from staffing.datasets import load_example
>>> history = load_example()
>>> list(history.columns)
['interval_start', 'queue', 'volume']
>>> sorted(history["queue"].unique())
['chat', 'email', 'phone']
>>> str(history["interval_start"].dt.tz)
'Europe/London'
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from staffing.calendar import Calendar

if TYPE_CHECKING:
    from staffing.config import PlanConfig

__all__ = [
    "EXAMPLE_FILE",
    "QueueShape",
    "SyntheticHistory",
    "generate_example",
    "load_example",
    "load_example_config",
]

#: Name of the bundled example file inside ``staffing/data``.
EXAMPLE_FILE = "example_history.csv.gz"
#: Name of the example plan configuration inside ``staffing/data``.
EXAMPLE_CONFIG_FILE = "example_plan.toml"
#: Time zone of the bundled example.
EXAMPLE_TZ = "Europe/London"


@dataclass(frozen=True)
class QueueShape:
    """Arrival shape of one queue in the example generator.

    Parameters
    ----------
    peak_per_hour : float
        Expected contacts in the busiest hour of an ordinary Monday [contacts per hour].
    peaks_hour : tuple of float
        Local clock hours of the two daytime peaks [hours after midnight].
    peak_width_hours : float
        Standard deviation of each peak [hours].
    day_level : float
        Height of the plateau between the opening hours, before scaling [fraction].
    open_hours : tuple of float
        Local clock hours where the daytime plateau rises and falls [hours after midnight].
    second_peak_share : float
        Height of the second peak relative to the first [fraction].
    night_floor : float
        Rate at night relative to the peak [fraction]; small floors give many zero hours.
    weekday_factors : tuple of float
        Monday..Sunday multipliers [fraction of Monday].
    holiday_factor : float
        Multiplier on public holidays [fraction].
    """

    peak_per_hour: float
    peaks_hour: tuple[float, float] = (10.5, 14.5)
    peak_width_hours: float = 1.5
    day_level: float = 0.3
    open_hours: tuple[float, float] = (8.0, 20.0)
    second_peak_share: float = 0.85
    night_floor: float = 0.01
    weekday_factors: tuple[float, ...] = (1.0, 0.93, 0.9, 0.88, 0.82, 0.42, 0.2)
    holiday_factor: float = 0.12

    def hour_shape(self, hour: np.ndarray) -> np.ndarray:
        """Relative rate by local hour of day (peak 1) [fraction].

        Examples
        --------
        >>> import numpy as np
        >>> QueueShape(100.0).hour_shape(np.array([3.0, 10.0])).round(3)
        array([0.01 , 0.998])
        """
        centre = np.asarray(hour, dtype=float) + 0.5  # middle of the hour
        top = self._bumps(np.linspace(0.0, 24.0, 2401)).max()
        return np.maximum(self._bumps(centre) / top, self.night_floor)

    def _bumps(self, clock_hours: np.ndarray) -> np.ndarray:
        first, second = self.peaks_hour
        width = self.peak_width_hours
        opening, closing = self.open_hours
        peaks = np.exp(-0.5 * ((clock_hours - first) / width) ** 2) + self.second_peak_share * (
            np.exp(-0.5 * ((clock_hours - second) / width) ** 2)
        )
        day = 1.0 / (1.0 + np.exp(-2.0 * (clock_hours - opening))) - 1.0 / (
            1.0 + np.exp(-2.0 * (clock_hours - closing))
        )
        return peaks + self.day_level * day


def _default_queues() -> dict[str, QueueShape]:
    return {
        "phone": QueueShape(peak_per_hour=180.0),
        "chat": QueueShape(
            peak_per_hour=60.0,
            peaks_hour=(11.5, 19.5),
            peak_width_hours=2.0,
            open_hours=(8.0, 22.0),
            second_peak_share=0.75,
            night_floor=0.02,
            weekday_factors=(1.0, 0.95, 0.95, 0.93, 0.9, 0.6, 0.5),
            holiday_factor=0.35,
        ),
        "email": QueueShape(
            peak_per_hour=30.0,
            peaks_hour=(9.5, 15.0),
            peak_width_hours=2.5,
            second_peak_share=0.8,
            night_floor=0.08,
            weekday_factors=(1.0, 0.95, 0.92, 0.9, 0.85, 0.45, 0.4),
            holiday_factor=0.3,
        ),
    }


def generate_example(
    start: str = "2025-03-03",
    end: str = "2025-11-09",
    *,
    tz: str = "Europe/London",
    country: str = "GB",
    subdiv: str | None = "ENG",
    queues: dict[str, QueueShape] | None = None,
    trend_per_year: float = 0.06,
    day_noise: float = 0.06,
    promotion_start: str | None = "2025-10-14",
    promotion_days: int = 3,
    promotion_factor: float = 1.6,
    seed: int | np.random.Generator = 20250303,
) -> pd.DataFrame:
    """Draw hourly contact counts from the documented arrival model.

    Parameters
    ----------
    start, end : str
        First and last local calendar day, inclusive (``YYYY-MM-DD``).
    tz : str
        IANA time zone of the centre; hours follow its local clock (23- and 25-hour days).
    country, subdiv : str
        Public-holiday calendar (see :class:`staffing.calendar.Calendar`; codes of the
        :mod:`holidays` package, e.g. ``"GB"``, ``"ENG"``).
    queues : dict of str to QueueShape, optional
        Queue name to arrival shape; defaults to ``phone``, ``chat`` and ``email``.
    trend_per_year : float
        Relative growth of volume per year [fraction per year].
    day_noise : float
        Standard deviation of the day-level log-normal multiplier [log units].
    promotion_start : str or None
        First local day of a promotion spike; ``None`` for none.
    promotion_days : int
        Length of the promotion [days].
    promotion_factor : float
        Volume multiplier during the promotion [fraction].
    seed : int or numpy.random.Generator
        Seed or generator; the same seed gives the same frame.

    Returns
    -------
    pandas.DataFrame
        Tidy frame with ``interval_start`` (tz-aware start of the hour), ``queue`` and
        ``volume`` [contacts per hour], sorted by queue then time.

    Examples
    --------
    >>> frame = generate_example("2025-03-29", "2025-03-31", queues={"phone": QueueShape(100.0)})
    >>> frame.groupby(frame["interval_start"].dt.date).size().tolist()  # spring forward
    [24, 23, 24]
    """
    if queues is None:
        queues = _default_queues()
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    index = _local_hours(start, end, tz)
    days = index.normalize()
    day_keys, day_codes = np.unique(days.tz_localize(None).values, return_inverse=True)
    calendar = Calendar(country=country, subdiv=subdiv)
    is_holiday = calendar.is_holiday(pd.DatetimeIndex(day_keys))[day_codes]
    years = (index - index[0]).total_seconds().to_numpy() / (365.25 * 86400.0)
    trend = 1.0 + trend_per_year * years
    promo = np.ones(len(index))
    if promotion_start is not None:
        first = pd.Timestamp(promotion_start)
        in_promo = (days.tz_localize(None) >= first) & (
            days.tz_localize(None) < first + pd.Timedelta(promotion_days, unit="D")
        )
        promo[in_promo] = promotion_factor
    frames = []
    for name, shape in queues.items():
        weekday = np.asarray(shape.weekday_factors)[index.day_of_week.to_numpy()]
        holiday = np.where(is_holiday, shape.holiday_factor, 1.0)
        noise = np.exp(rng.normal(-0.5 * day_noise**2, day_noise, size=len(day_keys)))[day_codes]
        rate = (
            shape.peak_per_hour
            * shape.hour_shape(index.hour.to_numpy())
            * weekday
            * trend
            * holiday
            * promo
            * noise
        )
        frames.append(
            pd.DataFrame({"interval_start": index, "queue": name, "volume": rng.poisson(rate)})
        )
    return pd.concat(frames, ignore_index=True)


def _local_hours(start: str, end: str, tz: str) -> pd.DatetimeIndex:
    first = pd.Timestamp(start).tz_localize(tz)
    stop = (pd.Timestamp(end) + pd.Timedelta(1, unit="D")).tz_localize(tz)
    return pd.date_range(first, stop, freq="h", inclusive="left", name="interval_start")


def write_example(path: str | Path) -> Path:
    """Write the default example to ``path`` as gzip-compressed CSV (ISO 8601 with offsets).

    The output is byte-for-byte reproducible (no gzip time stamp).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_example(pathlib.Path(tempfile.mkdtemp()) / "example.csv.gz")
    >>> out.stat().st_size > 10_000
    True
    """
    path = Path(path)
    frame = generate_example()
    text = frame.assign(
        interval_start=frame["interval_start"].map(lambda t: t.isoformat())
    ).to_csv(index=False, lineterminator="\n")
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    return path


def load_example() -> pd.DataFrame:
    """Load the bundled example contact history.

    Thirty-six weeks (3 March to 9 November 2025) of hourly contact counts for three queues
    (``phone``, ``chat``, ``email``) of a centre in England (``Europe/London``), drawn by
    :func:`generate_example`. It holds two summer-time changes (a 23-hour and a 25-hour day),
    English public holidays and a three-day promotion from 14 October 2025.

    Returns
    -------
    pandas.DataFrame
        Columns ``interval_start`` (tz-aware, ``Europe/London``), ``queue`` and ``volume``
        [contacts per hour].

    Examples
    --------
    >>> history = load_example()
    >>> len(history)
    18144
    >>> bool(history.groupby("queue")["volume"].sum().gt(0).all())
    True
    """
    raw = resources.files("staffing").joinpath("data", EXAMPLE_FILE).read_bytes()
    frame = pd.read_csv(io.BytesIO(gzip.decompress(raw)), dtype={"queue": str, "volume": "int64"})
    stamps = pd.to_datetime(frame["interval_start"], utc=True, format="ISO8601")
    frame["interval_start"] = stamps.dt.tz_convert(EXAMPLE_TZ)
    return frame


def load_example_config() -> str:
    """Return the text of the example plan configuration (TOML) shipped with the package.

    It covers every key of :class:`staffing.config.PlanConfig` and is what
    ``staffing plan --example`` runs.

    Examples
    --------
    >>> "[service.channels.phone]" in load_example_config()
    True
    """
    return resources.files("staffing").joinpath("data", EXAMPLE_CONFIG_FILE).read_text("utf-8")


#: Channel kinds of :class:`SyntheticHistory`, in turn: queue ``i`` is of kind ``i % 3``.
SYNTHETIC_KINDS = ("phone", "chat", "email")


@dataclass(frozen=True)
class SyntheticHistory:
    """A large synthetic centre for scale tests: many queues, many weeks, drawn one at a time.

    Queue ``i`` is named ``q{i:04d}-{kind}`` with ``kind`` phone, chat and e-mail in turn, and
    follows the arrival model of :func:`generate_example` with the example's shape of its kind,
    its own size (a log-normal factor on the peak rate, median 1, spread 0.8 log units) and its
    peaks moved by up to an hour. Each queue is drawn from its own stream
    (``numpy.random.default_rng([seed, i])``), so it is the same whichever queues are drawn, in
    whatever order, on whichever machine: a :class:`staffing.cluster.QueueSource` that the
    workers of a cluster load queue by queue.

    Parameters
    ----------
    n_queues : int
        Number of queues.
    weeks : int
        Weeks of history per queue, ending on local day ``end`` [weeks].
    interval_minutes : int
        Interval length: 15, 30 or 60 [minutes].
    end : str
        Last local day of the history (``YYYY-MM-DD``).
    tz, country, subdiv : str
        Time zone and public-holiday calendar, as for :func:`generate_example`.
    seed : int
        Seed of the whole centre.

    Examples
    --------
    >>> source = SyntheticHistory(n_queues=4, weeks=2, interval_minutes=15)
    >>> source.queues
    ['q0000-phone', 'q0001-chat', 'q0002-email', 'q0003-phone']
    >>> part = source.load("q0002-email")
    >>> len(part), str(part["interval_start"].dt.tz)
    (1344, 'Europe/London')
    >>> part.equals(SyntheticHistory(n_queues=9, weeks=2, interval_minutes=15).load("q0002-email"))
    True
    """

    n_queues: int = 100
    weeks: int = 52
    interval_minutes: int = 60
    end: str = "2025-11-09"
    tz: str = EXAMPLE_TZ
    country: str = "GB"
    subdiv: str | None = "ENG"
    seed: int = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.n_queues, int) and self.n_queues >= 1):
            raise ValueError(f"n_queues: expected a whole number >= 1, got {self.n_queues!r}")
        if not (isinstance(self.weeks, int) and 1 <= self.weeks <= 520):
            raise ValueError(f"weeks: expected a whole number in [1, 520], got {self.weeks!r}")
        if self.interval_minutes not in (15, 30, 60):
            raise ValueError(
                f"interval_minutes: expected 15, 30 or 60, got {self.interval_minutes!r}"
            )

    @property
    def queues(self) -> list[str]:
        """The queue names, ``q0000-phone``, ``q0001-chat``..."""
        return [f"q{i:04d}-{SYNTHETIC_KINDS[i % 3]}" for i in range(self.n_queues)]

    def load(self, queue: str) -> pd.DataFrame:
        """Draw one queue's history.

        Returns
        -------
        pandas.DataFrame
            ``interval_start`` (tz-aware), ``queue``, ``volume`` [contacts per interval].
        """
        number = self._number(queue)
        rng = np.random.default_rng([self.seed, number])
        kind = SYNTHETIC_KINDS[number % 3]
        base = _default_queues()[kind]
        shift = rng.uniform(-1.0, 1.0)
        shape = replace(
            base,
            peak_per_hour=base.peak_per_hour * float(np.exp(rng.normal(0.0, 0.8))),
            peaks_hour=(base.peaks_hour[0] + shift, base.peaks_hour[1] + shift),
        )
        index = self._index()
        days = index.normalize().tz_localize(None)
        day_keys, day_codes = np.unique(days.values, return_inverse=True)
        holiday = Calendar(country=self.country, subdiv=self.subdiv).is_holiday(
            pd.DatetimeIndex(day_keys)
        )[day_codes]
        step_hours = self.interval_minutes / 60.0
        clock = index.hour.to_numpy() + index.minute.to_numpy() / 60.0
        rate = (
            shape.peak_per_hour
            * step_hours
            * shape.hour_shape(clock + step_hours / 2.0 - 0.5)  # the interval's middle
            * np.asarray(shape.weekday_factors)[index.day_of_week.to_numpy()]
            * np.where(holiday, shape.holiday_factor, 1.0)
            * np.exp(rng.normal(-0.5 * 0.06**2, 0.06, size=len(day_keys)))[day_codes]
        )
        return pd.DataFrame({"interval_start": index, "queue": queue, "volume": rng.poisson(rate)})

    def frame(self) -> pd.DataFrame:
        """Every queue in one tidy frame (for a run in one process).

        Examples
        --------
        >>> SyntheticHistory(n_queues=3, weeks=1).frame().groupby("queue").size().tolist()
        [168, 168, 168]
        """
        return pd.concat([self.load(q) for q in self.queues], ignore_index=True)

    def config(self, base: PlanConfig | None = None) -> PlanConfig:
        """A plan configuration for these queues: each gets ``base``'s channel of its kind.

        ``base`` defaults to the example configuration; its ``[history]`` takes this source's
        zone and interval, the roster grid the interval, and the example's events and
        ``[blending]`` (which name the example's own channels) are left out.

        Examples
        --------
        >>> config = SyntheticHistory(n_queues=2, interval_minutes=30).config()
        >>> list(config.service.channels), config.history.interval_minutes
        (['q0000-phone', 'q0001-chat'], 30)
        """
        from staffing.config import PlanConfig

        if base is None:
            base = PlanConfig.from_toml(load_example_config(), EXAMPLE_CONFIG_FILE)
        templates = base.service.channels
        missing = [kind for kind in SYNTHETIC_KINDS if kind not in templates]
        if missing:
            raise ValueError(
                f"base: service.channels needs a template channel named {missing[0]!r} "
                "(one each for phone, chat and email)"
            )
        channels = {q: templates[SYNTHETIC_KINDS[self._number(q) % 3]] for q in self.queues}
        data = base.model_dump()
        data["service"]["channels"] = {q: c.model_dump() for q, c in channels.items()}
        data["history"].update(tz=self.tz, interval_minutes=self.interval_minutes)
        data["roster"]["interval_minutes"] = self.interval_minutes
        data["forecast"]["events"] = []
        data["blending"] = None
        return PlanConfig.model_validate(data)

    def _number(self, queue: str) -> int:
        try:
            number = int(str(queue)[1:5])
        except ValueError:
            number = -1
        if not (0 <= number < self.n_queues) or queue != self.queues[number]:
            raise KeyError(f"no queue {queue!r} in this source (q0000-phone to {self.queues[-1]})")
        return number

    def _index(self) -> pd.DatetimeIndex:
        last = pd.Timestamp(self.end)
        first = last - pd.Timedelta(7 * self.weeks - 1, unit="D")
        stop = (last + pd.Timedelta(1, unit="D")).tz_localize(self.tz)
        return pd.date_range(
            first.tz_localize(self.tz),
            stop,
            freq=f"{self.interval_minutes}min",
            inclusive="left",
            name="interval_start",
        )
