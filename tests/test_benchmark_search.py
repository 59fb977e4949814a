"""The grid-search benchmark's bookkeeping, on a tiny frame (no timing assertions)."""

from conftest import make_frame

from benchmarks import search


def test_a_search_counts_its_fits_and_scores_its_best_candidate():
    X, y = make_frame(n=400)  # at 200 rows, 5 folds leave TargetEncoder near chance
    _, best, fits = search.search(X, y, "TargetEncoder", {"logisticregression__C": [0.1, 1]},
                                  n_jobs=1)  # fmt: skip
    assert fits == search.FOLDS * 2 + 1  # each fold and candidate, then the refit
    assert 0.5 < best <= 1  # the frame's target is learnable


def test_memory_is_read_after_every_fit():
    X, y = make_frame(n=100)
    records = search.memory_over_fits(X, y, 3)
    assert [r["fit_number"] for r in records] == [1, 2, 3]
    assert all(r["rss_mb"] > 0 for r in records)
