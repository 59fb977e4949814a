"""Damaged and hostile files: every one is a ValueError that says what is wrong.

Never a crash, another exception, a large allocation, or a file written.
"""

import io
import json
import os
import zipfile

import numpy as np
import pytest
from conftest import FAST, make_frame

import skembed
from skembed import EmbeddingEncoder
from skembed._initial import given_start
from skembed._inspection import read_vectors
from skembed._vocabulary import Vocabulary


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    X, y = make_frame(n=120)
    encoder = EmbeddingEncoder(**{**FAST, "hidden_units": (4,)}).fit(X, y)
    path = tmp_path_factory.mktemp("saved") / "good.skembed"
    skembed.save(encoder, path)
    return path.read_bytes(), encoder, X


def members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def archive(contents):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as new:
        for name, data in contents.items():
            new.writestr(name, data)
    return buffer.getvalue()


def changed_metadata(data, change):
    contents = members(data)
    metadata = json.loads(contents["metadata.json"])
    change(metadata)
    contents["metadata.json"] = json.dumps(metadata)
    return archive(contents)


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def load_bytes(data, tmp_path):
    path = tmp_path / "damaged.skembed"
    path.write_bytes(data)
    before = sorted(os.listdir(tmp_path))
    try:
        return skembed.load(path)
    finally:
        assert sorted(os.listdir(tmp_path)) == before  # nothing written, nothing extracted


def test_the_good_file_loads(saved, tmp_path):
    data, encoder, X = saved
    np.testing.assert_array_equal(load_bytes(data, tmp_path).transform(X), encoder.transform(X))


@pytest.mark.parametrize("keep", [0, 10, 100, 0.5, -1])
def test_truncated_files(saved, tmp_path, keep):
    data = saved[0]
    cut = data[: int(len(data) * keep)] if isinstance(keep, float) else data[:keep]
    with pytest.raises(ValueError, match="damaged"):
        load_bytes(cut, tmp_path)


def test_every_flipped_byte_is_caught_or_harmless(saved, tmp_path):
    """Flip bytes all over the file: loading raises ValueError or gives the same encoder."""
    data, encoder, X = saved
    expected = encoder.transform(X)
    for position in range(0, len(data), max(1, len(data) // 300)):
        damaged = bytearray(data)
        damaged[position] ^= 0xFF
        try:
            loaded = load_bytes(bytes(damaged), tmp_path)
        except ValueError as error:
            assert str(error)
            continue
        # Some bytes (zip comments, timestamps) carry nothing the encoder reads.
        np.testing.assert_array_equal(loaded.transform(X), expected)


def test_a_missing_member_is_named(saved, tmp_path):
    contents = members(saved[0])
    del contents["embeddings_1.npy"]
    with pytest.raises(ValueError, match="member 'embeddings_1.npy' is missing"):
        load_bytes(archive(contents), tmp_path)


@pytest.mark.parametrize("name", ["extra.npy", "../../escaped.txt", "/etc/passwd"])
def test_an_extra_member_is_refused_and_never_written(saved, tmp_path, name):
    contents = members(saved[0])
    contents[name] = b"payload"
    with pytest.raises(ValueError, match="unexpected member"):
        load_bytes(archive(contents), tmp_path)
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_a_compressed_member_is_refused(saved, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as new:
        for name, data in members(saved[0]).items():
            new.writestr(name, data)
    with pytest.raises(ValueError, match="compressed"):
        load_bytes(buffer.getvalue(), tmp_path)


@pytest.mark.parametrize(
    "table, message",
    [
        (np.zeros((3, 2), dtype=np.float32), "table has shape"),
        (np.zeros((6, 2), dtype=np.int64), "not finite floats"),
        (np.full((6, 2), np.nan, dtype=np.float32), "not finite floats"),
        (np.array(["a", "b"]), "table has shape"),
    ],
)
def test_a_table_of_the_wrong_shape_or_dtype(saved, tmp_path, table, message):
    contents = members(saved[0])
    shape = np.load(io.BytesIO(contents["embeddings_0.npy"])).shape
    if message == "not finite floats":
        table = np.resize(table, shape).astype(table.dtype)
    contents["embeddings_0.npy"] = npy(table)
    with pytest.raises(ValueError, match=message):
        load_bytes(archive(contents), tmp_path)


def test_an_object_array_is_refused_without_unpickling(saved, tmp_path):
    contents = members(saved[0])
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    contents["embeddings_0.npy"] = buffer.getvalue()
    with pytest.raises(ValueError, match="Python objects"):
        load_bytes(archive(contents), tmp_path)


def test_a_dtype_of_zero_bytes_is_refused(saved, tmp_path):
    """A header of dtype '<U0' claims any shape in no bytes: its size bounds nothing."""
    contents = members(saved[0])
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<U0", "fortran_order": False, "shape": (50_000_000,)}
    )
    contents["counts_0.npy"] = header.getvalue()
    with pytest.raises(ValueError, match="dtype of zero bytes"):
        load_bytes(archive(contents), tmp_path)


def test_a_header_claiming_a_huge_array_allocates_nothing(saved, tmp_path):
    contents = members(saved[0])
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10**12, 8)}
    )
    contents["embeddings_0.npy"] = header.getvalue() + b"\0" * 64
    with pytest.raises(ValueError, match=r"claims shape \(1000000000000, 8\)"):
        load_bytes(archive(contents), tmp_path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: m.update(format_version=99), "format version 99"),
        (lambda m: m.update(format_version="2"), "format version '2'"),
        (lambda m: m.update(format="other"), "not a skembed encoder file"),
        (lambda m: m.update(n_features_in=10**12), "n_features_in"),
        (lambda m: m.update(n_features_in=True), "n_features_in"),
        (lambda m: m.update(dims=[10**12, 2]), "table has shape"),
        (lambda m: m.update(dims="ab"), "damaged"),
        (lambda m: m.update(one_hot=[False]), "one_hot has 1 entries"),
        (lambda m: m.update(feature_names_in=["a"]), "feature_names_in"),
        (lambda m: m.update(target_type="exotic"), "unknown target type"),
        (lambda m: m.update(categories=[{"npy": "../../../etc/passwd"}, None]), "missing"),
        (lambda m: m.update(categories=[{"values": [1, 2]}] * 10**3), "damaged"),
        (lambda m: m.update(params=[1, 2]), "damaged"),
        (lambda m: m["params"].update(dims={"splitter": {"class": "os.system"}}), "damaged"),
        (lambda m: m.pop("history"), "damaged"),
        (lambda m: m.update(history=[]), "history is not a dict"),
        (lambda m: m.update(n_features_in=2.0), "n_features_in"),
        (lambda m: m.update(one_hot=[False, True]), "one-hot columns name"),
        (lambda m: m.update(one_hot=[1, 0]), "one_hot is not a list of bools"),
        (lambda m: m.update(dims=[0, 2]), "not positive ints"),
        (lambda m: m["params"].update(handle_unknown="bogus"), "parameters are invalid"),
        (lambda m: m["categories"].__setitem__(0, {"values": [[1], [2], [3]]}), "categories must"),
    ],
)
def test_hostile_metadata(saved, tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        load_bytes(changed_metadata(saved[0], change), tmp_path)


def test_metadata_that_is_not_json_or_not_utf8(saved, tmp_path):
    for text in [b"{not json", b"\xff\xfe\x00junk", b"[]", b"null"]:
        contents = members(saved[0])
        contents["metadata.json"] = text
        with pytest.raises(ValueError):
            load_bytes(archive(contents), tmp_path)


def test_a_stream_that_cannot_seek_and_a_bytes_path_load(saved, tmp_path):
    data, encoder, X = saved

    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self.stream = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self.stream.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    expected = encoder.transform(X)
    np.testing.assert_array_equal(skembed.load(Pipe(data)).transform(X), expected)
    (tmp_path / "good.skembed").write_bytes(data)
    path = os.fsencode(tmp_path / "good.skembed")
    np.testing.assert_array_equal(skembed.load(path).transform(X), expected)
    skembed.save(encoder, os.fsencode(tmp_path / "again.skembed"))
    assert (tmp_path / "again.skembed").exists()


def test_a_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        skembed.load(tmp_path / "nowhere.skembed")


# ------------------------------------------------------------------ word-vector files


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "no vectors"),
        (b"paris 0.1 0.2\nlyon 0.3\n", "line 2: 1 numbers where the file's lines have 2"),
        (b"paris 0.1 0.2\nparis 0.3 0.4\n", "repeats line 1"),
        (b"paris 0.1 zero\n", "line 1: not a token followed by numbers"),
        (b"paris\n", "line 1: a token without numbers"),
        (b"paris 0.1 0.2\n\xff\xfe 0.3 0.4\n", "not UTF-8 text"),
        (b"\x00\x01\x02\x03" * 100, "not a token followed by numbers|a token without numbers"),
        (b"paris 0.1 0.2\nly", "line 2: a token without numbers"),  # truncated
    ],
)
def test_damaged_word_vector_files(tmp_path, content, message):
    path = tmp_path / "vectors.txt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_vectors(path)


def test_word_vectors_beyond_float32_are_refused(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("paris 1e300 0\nlyon nan 1\n")
    vocabulary = Vocabulary(np.array(["lyon", "paris"], dtype=object))
    with pytest.raises(ValueError, match="NaN, infinity, or values too large"):
        given_start(str(path), vocabulary, "city")
