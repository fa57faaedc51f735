"""Benchmarks: `make bench` prints a table and writes bench/out/results.json (a flat object)."""
