"""Measuring helpers shared by the benchmarks: wall time, peak memory, machine.

Peak memory is the process' resident set size (RSS) sampled from
``/proc/self/statm`` by a background thread, not ``tracemalloc``: TensorFlow
allocates outside Python's allocator, and tracemalloc would not see it.
"""

import ctypes
import ctypes.util
import os
import platform
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def current_rss():
    """Resident memory of this process in bytes, or None where /proc is missing."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except OSError:
        return None


class _PeakSampler(threading.Thread):
    """Polls the RSS every ``interval`` seconds and keeps the highest value."""

    def __init__(self, interval):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak = current_rss()
        self._done = threading.Event()

    def run(self):
        while not self._done.wait(self.interval):
            rss = current_rss()
            if rss is not None and rss > self.peak:
                self.peak = rss

    def stop(self):
        self._done.set()
        self.join()
        # One last reading so that a step shorter than the interval still counts.
        rss = current_rss()
        if rss is not None and rss > self.peak:
            self.peak = rss


def trim_heap():
    """Give the C heap's free memory back to the system (glibc only; else a no-op).

    glibc keeps freed blocks, even large ones after the first such free, in
    the process: a step that reuses them does not grow the RSS, and
    :func:`measure` would miss its allocations. Call this before measuring.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass


@dataclass
class Measurement:
    """Filled in when the ``measure()`` block exits."""

    seconds: float = float("nan")
    #: Highest RSS during the block minus the RSS at its start (bytes); NaN
    #: without /proc. Memory freed earlier and reused is not counted, so this is
    #: the growth the step caused, a lower bound of what it allocated.
    peak_bytes: float = float("nan")
    #: The RSS at the start of the block and its highest value during it
    #: (bytes; NaN without /proc): to combine blocks into one step's peak.
    start_rss: float = float("nan")
    peak_rss: float = float("nan")


@contextmanager
def measure(interval=0.01):
    """Time a block and record its peak memory growth.

    >>> with measure() as m:
    ...     _ = sum(range(10))
    >>> m.seconds >= 0
    True
    """
    result = Measurement()
    start_rss = current_rss()
    sampler = None
    if start_rss is not None:
        sampler = _PeakSampler(interval)
        sampler.start()
    start = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - start
        if sampler is not None:
            sampler.stop()
            result.peak_bytes = max(0, sampler.peak - start_rss)
            result.start_rss, result.peak_rss = start_rss, sampler.peak


def combined_peak_bytes(first, *later):
    """Peak growth of a step made of several measured blocks, ``first`` first.

    The highest RSS during any block, minus the RSS before ``first`` began:
    what the whole step held at its worst, including what an earlier block
    allocated and kept for a later one (NaN without /proc).
    """
    peak = np.fmax.reduce([m.peak_rss for m in (first, *later)])  # NaN only if all are
    return float(np.maximum(0.0, peak - first.start_rss))


def nbytes(matrix):
    """Memory held by a dense array or a scipy sparse matrix, in bytes."""
    if sp.issparse(matrix):
        matrix = matrix.tocsr()
        return matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes
    return np.asarray(matrix).nbytes


def machine_info():
    """Lines describing where the benchmark ran, for the top of its output."""
    import sklearn

    lines = {
        "cpus": os.cpu_count(),
        "cpus usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    }
    try:
        import tensorflow as tf

        lines["tensorflow"] = tf.__version__
    except ImportError:
        lines["tensorflow"] = "not installed"
    if hasattr(os, "getloadavg"):
        # Other work on the machine slows OpenMP code (HistGradientBoosting)
        # far more than its share of the CPU: say whether there was any.
        lines["load average at start"] = "%.2f %.2f %.2f" % os.getloadavg()
    try:
        with open("/proc/meminfo") as meminfo:
            kb = int(meminfo.readline().split()[1])
        lines["memory"] = f"{kb / 2**20:.1f} GiB"
    except OSError:
        pass
    return lines


def log(message=""):
    print(message, flush=True)


def start_benchmark(title):
    """Print the title and the machine; return the machine info and the import time.

    TensorFlow is imported here, up front, so that no timed step pays for it
    (and machine_info reads its version).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # start-up chatter, not results
    log(f"# {title}\n")
    with measure() as warm:
        import keras  # noqa: F401

        machine = machine_info()
    log("Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()))
    log(f"TensorFlow/Keras import (outside the timings): {warm.seconds:.1f} s")
    return machine, warm.seconds


def log_end(started):
    """The run's wall time since ``started`` (perf_counter) and the load average."""
    log(f"  total wall time: {time.perf_counter() - started:.1f} s")
    if hasattr(os, "getloadavg"):
        log("  load average at the end: %.2f %.2f %.2f (1, 5, 15 min)" % os.getloadavg())
