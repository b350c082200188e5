"""Starts and stops the service's real processes for the test suite and the benchmarks.

Imports ledger (for database set-up) and nothing of tests/ or bench/: both of those import it.
"""
