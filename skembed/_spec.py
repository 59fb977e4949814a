"""What a fit trains, described in numpy terms: the network's specification and
the constants the fit's steps share.

Numpy world: the in-memory fit, cross fitting and the Dask fit build a
:class:`NetworkSpec` here, and :mod:`skembed._training` (the only module that
imports TensorFlow) trains what it describes.
"""

from dataclasses import dataclass

from ._targets import LossMode

#: A table's rows start uniform in [-RANDOM_START, RANDOM_START].
RANDOM_START = 0.05
#: A plain column fitted on y starts far narrower: a rare category's vector
#: moves little from its start, and a wide random start stays in it as noise
#: that a neighbours model, after standardizing, reads as signal. Token
#: columns (whose cells pool many rows) and fits without y keep RANDOM_START.
SUPERVISED_RANDOM_START = 0.001

#: Share of training values (per column) relabelled as unknown so that the
#: unknown row of every table is learned, not left at its initialization.
UNKNOWN_SHARE = 0.01

#: Early stopping of a fit without y: an epoch improves on the best validation
#: loss only if it lowers it by at least this share (0.1%). Without it, the
#: co-occurrence loss kept falling by a few hundredths of a percent an epoch
#: up to the 100-epoch cap on hotel rates; with it, fits stop after 34 to 38
#: epochs on flights and 68 to 85 on hotel rates.
TARGET_FREE_MIN_IMPROVEMENT = 1e-3


@dataclass(frozen=True)
class NetworkSpec(LossMode):
    """What the network looks like and how it is trained."""

    table_sizes: list  # rows of each column's embedding table
    dims: list  # width of each column's embedding
    hidden_units: tuple
    dropout: float
    n_outputs: int
    activation: str
    loss: str
    epochs: int
    batch_size: int
    learning_rate: float
    n_iter_no_change: int | None
    verbose: int
    pooled: tuple = ()  # per column, whether it is a token column (none if empty)
    # Early stopping counts an epoch as an improvement only if it lowers the
    # best loss by at least this share of it.
    min_improvement: float = 0.0
    # Per column, whether its vectors may be replaced by one constant vector
    # when they lower the validation loss by less than ``min_column_gain``.
    gated: tuple = ()
    min_column_gain: float | None = None
    # Per column, the half-width of its table's uniform random start.
    random_start: tuple = ()

    @property
    def pooled_columns(self):
        """Per column, whether its input is a cell whose token rows are averaged."""
        return tuple(self.pooled) or (False,) * len(self.dims)

    @property
    def random_starts(self):
        """Per column, the half-width of its table's uniform random start."""
        return tuple(self.random_start) or (RANDOM_START,) * len(self.dims)


def network_spec(params, table_sizes, dims, hidden_units, target, starts, pooled=()):
    """The network a fit trains, from the encoder's ``params`` (``get_params()``).

    ``table_sizes`` gives each column's rows (categories and the unknown
    row), ``target`` the prepared target, ``starts`` each column's
    :class:`~skembed._initial.Start` or None, ``pooled`` per column None or a
    token column's cells (none: no token columns).
    """
    pooled_columns = [p is not None for p in pooled] or [False] * len(dims)
    supervised = target.supervised
    return NetworkSpec(
        table_sizes=list(table_sizes),
        dims=dims,
        hidden_units=hidden_units,
        dropout=float(params["dropout"]),
        pooled=tuple(p is not None for p in pooled),
        n_outputs=target.n_outputs,
        activation=target.activation,
        loss=target.loss,
        epochs=params["epochs"],
        batch_size=params["batch_size"],
        learning_rate=float(params["learning_rate"]),
        n_iter_no_change=params["n_iter_no_change"],
        verbose=params["verbose"],
        # Without y, the loss falls by ever smaller steps for many epochs.
        min_improvement=0.0 if supervised else TARGET_FREE_MIN_IMPROVEMENT,
        gated=tuple(s is None and not p for s, p in zip(starts, pooled_columns)),
        min_column_gain=params["min_column_gain"] if supervised else None,
        random_start=tuple(
            SUPERVISED_RANDOM_START if supervised and not p else RANDOM_START
            for p in pooled_columns
        ),
    )
