"""The README's Python examples run as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_quickstart_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write a file
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    runnable = [b for b in blocks if "EmbeddingEncoder(\n    *," not in b]  # skip the signature
    assert len(runnable) == 3
    namespace = {}
    exec(compile("\n".join(runnable), str(README), "exec"), namespace)
    encoder = namespace["encoder"]
    assert encoder.transform(namespace["X"][["shop", "city"]]).shape == (5000, 8)
    assert (tmp_path / "cities.txt").read_text().count("\n") == 3  # Lyon, Nice, Paris
