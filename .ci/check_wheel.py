"""Check the built distributions as a user meets them: ``python .ci/check_wheel.py dist``.

- Both the wheel and the sdist carry the LICENSE text.
- The wheel installs into a fresh virtual environment (no editable install), from
  which the README's examples run in a directory outside the source tree, with
  the installed skembed, not this checkout's.
- A file saved by this checkout's skembed loads there, in a process where
  importing TensorFlow fails, and encodes exactly as here.
"""

import re
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def check_license(dist):
    wheel, = dist.glob("*.whl")
    sdist, = dist.glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        licenses = [n for n in archive.namelist() if n.endswith("licenses/LICENSE")]
        assert licenses, f"{wheel.name} has no LICENSE"
        assert "BSD 3-Clause" in archive.read(licenses[0]).decode()
    with tarfile.open(sdist) as archive:
        assert any(n.endswith("/LICENSE") for n in archive.getnames()), f"{sdist.name}: no LICENSE"
    return wheel


def readme_examples():
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    return "\n".join(blocks)


def main(dist):
    wheel = check_license(Path(dist).resolve())
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        venv = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        python = venv / "bin" / "python"
        subprocess.run([python, "-m", "pip", "install", "--quiet", f"{wheel}[test]"], check=True)

        # The README's examples, run where the checkout cannot be imported.
        script = work / "readme.py"
        script.write_text(
            "import skembed, pathlib\n"
            f"assert not pathlib.Path(skembed.__file__).is_relative_to({str(ROOT)!r})\n"
            + readme_examples()
        )
        subprocess.run([python, script], check=True, cwd=work)

        # A file saved here, loaded there without TensorFlow.
        import numpy as np
        import pandas as pd

        import skembed

        rng = np.random.default_rng(0)
        X = pd.DataFrame({"city": rng.choice(["Paris", "Lyon", "Nice"], 300),
                          "shop": rng.integers(0, 9, 300)})  # fmt: skip
        y = rng.integers(0, 2, 300)
        encoder = skembed.EmbeddingEncoder(epochs=2, random_state=0).fit(X, y)
        skembed.save(encoder, work / "encoder.zip")
        X.to_csv(work / "X.csv", index=False)
        np.save(work / "expected.npy", encoder.transform(X))
        check = textwrap.dedent(
            f"""
            import sys

            class Block:
                def find_spec(self, name, path=None, target=None):
                    if name.split(".")[0] in ("tensorflow", "keras"):
                        raise ImportError("blocked: " + name)

            sys.meta_path.insert(0, Block())
            import numpy as np, pandas as pd, skembed
            loaded = skembed.load({str(work / "encoder.zip")!r})
            X = pd.read_csv({str(work / "X.csv")!r})
            np.testing.assert_array_equal(loaded.transform(X), np.load({str(work / "expected.npy")!r}))
            print("skembed", skembed.__version__, "from", skembed.__file__)
            """
        )
        subprocess.run([python, "-c", check], check=True, cwd=work)
    print(f"{wheel.name}: LICENSE, README examples and loading without TensorFlow all pass")


if __name__ == "__main__":
    main(sys.argv[1])
