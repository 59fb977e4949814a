"""PNG plots of benchmark results (matplotlib imported lazily: tests lack it)."""

import numpy as np


def _pyplot():
    """matplotlib's pyplot on the file-only Agg backend (benchmarks run headless)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _panels(results):
    """(title, rows) for each (data set, task), in order of appearance."""
    keys = results[["dataset", "task"]].drop_duplicates().itertuples(index=False)
    return [
        (f"{d} / {t}", results[(results["dataset"] == d) & (results["task"] == t)])
        for d, t in keys
    ]


def _grouped_bars(ax, groups, series, values, errors=None):
    """Bars of values[s][g] for each group g, one colour per series s; NaN is labelled n/a."""
    width = 0.8 / len(series)
    x = np.arange(len(groups))
    for i, name in enumerate(series):
        heights = np.array([values[name].get(g, np.nan) for g in groups], dtype=float)
        err = None if errors is None else [errors[name].get(g, 0.0) for g in groups]
        positions = x + (i - (len(series) - 1) / 2) * width
        ax.bar(positions, np.nan_to_num(heights), width, yerr=err, label=name)
        for pos, h in zip(positions, heights):
            if np.isnan(h):
                # x in data, y in axes units: stays inside whatever the y limits.
                ax.text(pos, 0.02, "n/a", ha="center", va="bottom", fontsize=7, rotation=90,
                        transform=ax.get_xaxis_transform())  # fmt: skip
    ax.set_xticks(x, groups)


def plot_scores(results, path):
    """Test score per encoder and model, one panel per data set and task."""
    plt = _pyplot()

    panels = _panels(results)
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (title, rows) in zip(axes[0], panels):
        stats = rows.groupby(["encoder", "model"], sort=False)["score"].agg(["mean", "std"])
        encoders = list(dict.fromkeys(rows["encoder"]))
        models = list(dict.fromkeys(rows["model"]))
        means = {e: stats.loc[e, "mean"].to_dict() for e in encoders}
        stds = {e: stats.loc[e, "std"].fillna(0).to_dict() for e in encoders}
        _grouped_bars(ax, models, encoders, means, stds)
        metric = rows["metric"].iloc[0]
        ax.set_title(title)
        scored_on = rows["scored_on"].iloc[0]
        better = "higher" if metric == "roc_auc" else "lower"
        ax.set_ylabel(f"{scored_on} {metric} ({better} is better)")
        if metric == "roc_auc":
            ax.set_ylim(0.5, max(0.55, np.nanmax(rows["score"].to_numpy(dtype=float)) + 0.03))
    axes[0][0].legend(fontsize=8)
    _save(plt, fig, path)


def plot_times(results, path):
    """Encoder fit and transform seconds per encoder, one panel per data set and task."""
    plt = _pyplot()
    import matplotlib.ticker as ticker

    panels = _panels(results)
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (title, rows) in zip(axes[0], panels):
        # The encoder's times repeat on each of its model rows; one per seed suffices.
        per_fit = rows.drop_duplicates(["encoder", "seed"])
        times = per_fit.groupby("encoder", sort=False)[["encoder_fit_s", "encoder_transform_s"]]
        means = times.mean()
        encoders = list(means.index)
        values = {
            "fit (fit_transform on train)": means["encoder_fit_s"].to_dict(),
            f"transform (train + {rows['scored_on'].iloc[0]})": means[
                "encoder_transform_s"
            ].to_dict(),
        }
        _grouped_bars(ax, encoders, list(values), values)
        ax.set_yscale("log")
        # Plain numbers (0.3, 2) rather than powers of ten (3 x 10^-1).
        plain = ticker.FuncFormatter(lambda value, _: f"{value:g}")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_locator(ticker.LogLocator(subs=(2, 5)))
        ax.yaxis.set_minor_formatter(plain)
        ax.tick_params(axis="y", which="minor", labelsize=7)
        ax.set_title(title)
        ax.set_ylabel("seconds (log scale)")
        ax.tick_params(axis="x", labelsize=8, labelrotation=15)
    axes[0][0].legend(fontsize=8)
    _save(plt, fig, path)


def plot_scaling(results, path):
    """Costs and score against the number of categories, one line per encoder.

    Log-log panels for fit time, transform time, output bytes and peak memory;
    the test score on a log x axis. Failed runs and zero values leave gaps.
    """
    plt = _pyplot()

    ok = results[results["status"] == "ok"]
    metric = results["metric"].iloc[0]
    better = "higher" if metric == "roc_auc" else "lower"
    panels = [
        ("encoder_fit_s", "fit (fit_transform on train), s", "log"),
        ("encoder_transform_s", "transform (train + test), s", "log"),
        ("encoded_bytes", "output (train + test), bytes", "log"),
        ("encoder_peak_bytes", "peak memory growth, bytes", "log"),
        ("score", f"test {metric} ({better} is better)", "linear"),
    ]  # fmt: skip
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.6), squeeze=False)
    for ax, (column, label, yscale) in zip(axes[0], panels):
        for encoder, rows in ok.groupby("encoder", sort=False):
            values = rows[column].to_numpy(dtype=float)
            if yscale == "log":
                values = np.where(values > 0, values, np.nan)
            ax.plot(rows["n_categories"], values, marker="o", label=encoder)
        ax.set_xscale("log")
        ax.set_yscale(yscale)
        ax.set_xlabel("categories per column")
        ax.set_title(label, fontsize=9)
        ax.grid(True, which="major", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    _save(plt, fig, path)


def plot_flight_embeddings(encoder, path):
    """The learned vectors of flights' dest and carrier columns, in 2-D (PCA)."""
    plt = _pyplot()

    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for ax, feature in zip(axes, ["dest", "carrier"]):
        gain = encoder.column_gains_[encoder.feature_names_in_.tolist().index(feature)]
        if gain < (encoder.min_column_gain or 0.0):  # the gate left one vector
            ax.set_axis_off()
            ax.text(0.5, 0.5, f"{feature}: one vector for all categories\n"
                    f"(its vectors lowered the validation loss by {100 * gain:.1f}%)",
                    ha="center", va="center", transform=ax.transAxes)
        else:
            encoder.plot_embeddings(feature, ax=ax, annotate=20)
    _save(plt, fig, path)
