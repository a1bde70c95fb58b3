"""Backprop Lab: see how a neural network learns, one layer at a time."""
