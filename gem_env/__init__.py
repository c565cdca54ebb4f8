"""gem-env: text about doing things -> executable tool sandboxes and verified trajectories."""
__version__ = "0.1.0"
