"""Lets `pytest python/tests` import quantgen_torch from this folder without installing it."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
