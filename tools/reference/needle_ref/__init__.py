"""Independent PyTorch reference of Needle (cactus-compute/needle), written from docs/needle-model.md."""
