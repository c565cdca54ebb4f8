"""Stage 4: refinement. Operators that turn a verified task into a harder variant (one module each),
which is then rolled out again and verified again; see `run.py`."""
