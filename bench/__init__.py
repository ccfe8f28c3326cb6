"""Benchmarks: Kintsugi against a stock Rasa assistant (``bench/run.py``)."""
