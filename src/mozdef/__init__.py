"""MozDef: a security information and event management system."""

__version__ = "0.1.0"
