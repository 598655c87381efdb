"""nnkit: a small NumPy neural-network library (being built)."""
