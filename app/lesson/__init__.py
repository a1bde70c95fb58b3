"""The lesson at /learn: routes, rendering and query fields here; its NumPy maths in maths/, one module per page in pages/."""
