"""
From a notebook to production: save, then load without TensorFlow
==================================================================

Training needs TensorFlow; encoding does not. A fitted
:class:`~skembed.EmbeddingEncoder` is numpy tables and its parameters, and
:func:`skembed.save` writes them to one portable file (a zip of JSON and
``.npy`` files, no pickle). :func:`skembed.load` reads it back in a process
that has no TensorFlow at all, such as a small serving container.
"""

# %%
# Fit and save
# ------------
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import skembed
from skembed import EmbeddingEncoder

rng = np.random.default_rng(0)
customers = [f"C{i:05d}" for i in range(20_000)]
X = pd.DataFrame({
    "customer": rng.choice(customers, 100_000),
    "product": rng.choice([f"P{i:03d}" for i in range(500)], 100_000),
    "channel": rng.choice(["web", "shop", "phone", None], 100_000),
})
y = (X["customer"].str[-1] < "3") ^ (X["product"].str[-1] < "5")

encoder = EmbeddingEncoder(random_state=0).fit(X, y)
path = Path(tempfile.mkdtemp()) / "encoder.skembed"
skembed.save(encoder, path)
print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB for "
      f"{sum(len(c) for c in encoder.categories_):,} categories")

# %%
# What is inside: plain files, readable by anyone.
import zipfile  # noqa: E402

with zipfile.ZipFile(path) as archive:
    for member in archive.infolist():
        print(f"{member.filename:18s} {member.file_size:>10,} bytes")

# %%
# Load it where TensorFlow cannot be imported
# -------------------------------------------
# A fresh Python process in which any import of TensorFlow fails, as if it were
# not installed: it loads the file and encodes new rows.
serving = f"""
import sys, time
sys.modules["tensorflow"] = None      # importing TensorFlow now raises ImportError
import numpy as np, pandas as pd
import skembed
encoder = skembed.load({str(path)!r})
rows = pd.DataFrame({{"customer": ["C00042", "C99999"], "product": ["P007", "P007"],
                     "channel": ["web", None]}})
np.save(sys.stdout.buffer, encoder.transform(rows))
print("tensorflow" in sys.modules and sys.modules["tensorflow"] is not None,
      file=sys.stderr)
"""
start = time.perf_counter()
done = subprocess.run([sys.executable, "-c", serving], capture_output=True, check=True)
print(f"the serving process ran in {time.perf_counter() - start:.1f} s; "
      f"TensorFlow imported there: {done.stderr.decode().strip()}")

# %%
# It encodes exactly as the encoder in this process (a customer never seen in
# fit, ``C99999``, gets the learned unknown vector in both):
import io  # noqa: E402

served = np.load(io.BytesIO(done.stdout))
rows = pd.DataFrame({"customer": ["C00042", "C99999"], "product": ["P007", "P007"],
                     "channel": ["web", None]})
here = encoder.transform(rows)
print("identical:", np.array_equal(served, here), served.shape)

# %%
# Transform speed
# ---------------
# Encoding is a lookup and a copy into one output array, without TensorFlow.
start = time.perf_counter()
encoder.transform(X)
print(f"transform of {len(X):,} rows: {time.perf_counter() - start:.3f} s")

# %%
# Other ways
# ----------
# A fitted encoder also pickles (with ``pickle`` or ``joblib``, alone or inside
# a Pipeline), with no Keras object inside. Prefer :func:`skembed.save` for
# files that travel: loading it runs no code from the file, and a damaged or
# forged file is refused with a ValueError that says what is wrong.
