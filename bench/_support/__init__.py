"""Helpers shared by the benchmarks (kept in a package so ``make bench`` runs only the benches)."""
