"""The lesson's maths: one module per page, NumPy only (no web imports), the code path the tests call."""
