"""Devices: one module per kind, each with an interface, a Raspberry Pi backend and a simulated backend.

Nothing here imports the rest of the project; backends are chosen by config and passed in (as gpiozero chooses
a pin factory), never patched.
"""
