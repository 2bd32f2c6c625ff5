"""Unit tests of the training entry points' pure parts: standard library only, no torch/transformers/trl/peft.

Run from the repository root:
    python3 -m unittest discover -s lib/runtime/training/tests -t lib/runtime/training
"""

import logging

# The scripts log progress to the "training" logger; keep it out of the test output.
logging.getLogger("training").addHandler(logging.NullHandler())
logging.getLogger("training").propagate = False
