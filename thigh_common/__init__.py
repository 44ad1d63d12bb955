"""What every thighseg package shares: labels, image I/O, geometry, paths, atomic files."""

__version__ = "0.1.0"
