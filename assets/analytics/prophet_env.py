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


def _use_c_json_encoder() -> None:
    """Write cmdstan's data file with the C JSON encoder.

    Without ujson installed, stanio streams the data through `JSONEncoder.iterencode`,
    the pure-Python encoder: about a third of a prophet fit on two years of daily data.
    `json.dumps` writes the same document with the C encoder. Installing ujson (stanio's
    own fast path) makes this unnecessary; any surprise in cmdstanpy's layout leaves it off.
    """
    try:
        import json

        import stanio.json as stanio_json
        from cmdstanpy.utils import filesystem
    except ImportError:  # pragma: no cover
        return
    if getattr(stanio_json, "UJSON_AVAILABLE", False) or not hasattr(filesystem, "write_stan_json"):
        return

    def write_stan_json(path: str, data: dict) -> None:
        with open(path, "w") as fd:
            fd.write(json.dumps(stanio_json.process_dictionary(data)))

    filesystem.write_stan_json = write_stan_json


quiet_prophet_logging()
_use_c_json_encoder()

from prophet import Prophet  # noqa: E402 - loggers must be silenced first

__all__ = ["Prophet", "quiet_prophet_logging"]
