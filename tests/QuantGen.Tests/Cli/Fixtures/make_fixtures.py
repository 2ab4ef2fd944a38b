"""Writes the .npy/.npz fixtures of the CLI's npz reader tests (NpzReaderTests.cs). Tests never run it.

    /usr/bin/python3 tests/QuantGen.Tests/Cli/Fixtures/make_fixtures.py

Values are arange-based so the tests can state them: v[i] = i * 0.5 - 3 for floats, i * 7 - 20 for integers.
"""
import io
import os
import zipfile

import numpy as np
from numpy.lib import format as npformat

HERE = os.path.dirname(os.path.abspath(__file__))


def floats(dtype, shape):
    return (np.arange(np.prod(shape)) * 0.5 - 3).astype(dtype).reshape(shape)


def ints(dtype, shape):
    return (np.arange(np.prod(shape)) * 7 - 20).astype(dtype).reshape(shape)


def save(name, array, version=None, **kwargs):
    with open(os.path.join(HERE, name), "wb") as f:
        npformat.write_array(f, array, version=version, **kwargs)


def npy_bytes(array, version=None):
    buffer = io.BytesIO()
    npformat.write_array(buffer, array, version=version)
    return buffer.getvalue()


# Good: each dtype, header versions 1, 2 and 3.
save("float32-v1.npy", floats("<f4", (3, 4)), version=(1, 0))
save("float64-v2.npy", floats("<f8", (2, 3)), version=(2, 0))
save("int32-v1.npy", ints("<i4", (5,)), version=(1, 0))
save("int64-v3.npy", ints("<i8", (2, 2)), version=(3, 0))
np.savez(os.path.join(HERE, "xy.npz"), x=floats("<f4", (4, 3)), y=np.array([0, 2, 1, 2], dtype="<i8"))
np.savez_compressed(os.path.join(HERE, "xy-compressed.npz"), x=floats("<f8", (4, 3)), y=np.array([0, 2, 1, 2], dtype="<i4"))

# Bad.
save("fortran.npy", np.asfortranarray(floats("<f4", (2, 3))), version=(1, 0))
save("big-endian.npy", floats(">f4", (2, 3)), version=(1, 0))
save("uint8.npy", np.arange(6, dtype=np.uint8), version=(1, 0))
save("object.npy", np.array([1, "two", None], dtype=object), version=(1, 0), allow_pickle=True)
save("structured.npy", np.zeros(3, dtype=[("a", "<f4"), ("b", "<i4")]), version=(1, 0))
good = npy_bytes(floats("<f4", (3, 4)), version=(1, 0))
with open(os.path.join(HERE, "truncated.npy"), "wb") as f:
    f.write(good[:-5])  # the last value is cut in half
with zipfile.ZipFile(os.path.join(HERE, "truncated-member.npz"), "w") as z:
    z.writestr("x.npy", good[:-8])
with open(os.path.join(HERE, "xy.npz"), "rb") as f:
    whole = f.read()
with open(os.path.join(HERE, "cut.npz"), "wb") as f:
    f.write(whole[: len(whole) // 2])  # the zip's central directory is gone
with open(os.path.join(HERE, "not-a-zip.npz"), "wb") as f:
    f.write(b"x,y\n1,2\n")
print("wrote", sorted(n for n in os.listdir(HERE) if n.endswith((".npy", ".npz"))))
