"""Import prophet once, quietly: its plotly notice, cmdstanpy's INFO lines and stan chatter off.

Imported by the forecast workers (and preloaded by the forkserver) so every process
silences the same loggers before prophet is imported.
"""

from __future__ import annotations

import logging


def quiet_prophet_logging() -> None:
    """Silence cmdstanpy/prophet logging: one line per fit times 100 brands is noise."""
    logging.getLogger("prophet.plot").disabled = True  # "Importing plotly failed"
    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("cmdstanpy").setLevel(logging.CRITICAL)
    logging.getLogger("prophet").setLevel(logging.ERROR)


quiet_prophet_logging()

from prophet import Prophet  # noqa: E402 - loggers must be silenced first

__all__ = ["Prophet", "quiet_prophet_logging"]
