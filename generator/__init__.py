"""obsgen: one SRE-owned spec renders every monitoring config a service needs."""

__all__ = ["__version__"]
__version__ = "0.1.0"
