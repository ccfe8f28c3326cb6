"""Tests of the therapist review app."""
