"""brandpulse: the analytics warehouse of a multi-brand SaaS platform."""

__version__ = "0.1.0"
