"""Writes digits-train.npz and digits-test.npz beside the CSV splits, for `quantgen eval/report/quantize`.

Each npz holds x (float32, one row of 64 values per sample: pixels / 16, the scaling the model was
trained with, see train_digits.py and DigitsData.cs) and y (int64 labels). Deterministic: run it again
and the arrays are identical.

    /usr/bin/python3 samples/Digits/train/csv_to_npz.py
"""
import os

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")

for split in ("train", "test"):
    raw = np.loadtxt(os.path.join(DATA, f"digits-{split}.csv"), delimiter=",", dtype=np.int64)
    x = (raw[:, :64].astype(np.float32) / np.float32(16)).astype(np.float32)
    y = raw[:, 64].astype(np.int64)
    np.savez(os.path.join(DATA, f"digits-{split}.npz"), x=x, y=y)
    print(f"digits-{split}.npz: x {x.shape} {x.dtype}, y {y.shape} {y.dtype}")
