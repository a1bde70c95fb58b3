"""The lesson's maths, NumPy only (no web framework): functions, surfaces, descent, the exercise."""
