"""The NumPy engine: networks, losses, optimizers, the step cycle. No web imports here."""
