"""Static HTML reports per brand, read from the published snapshot.

Import `report_assets` into the Definitions.
"""

from assets.report.assets import brand_reports

report_assets = [brand_reports]

__all__ = ["report_assets"]
