"""Write a static HTML report per brand from the published snapshot.

    brandpulse report                      every brand (+ index.html), into data/reports
    brandpulse report --brand acme --output /tmp/reports

One self-contained page per brand (charts as inline PNG, no JavaScript): overview,
funnels, retention and lifecycle, segments and RFM, revenue forecast, anomalies,
correlations, AI Studio. Exit status 1 when a required contract table is missing
(the page is still written, with a warning), 2 when there is nothing to report from.
The charts are shared with notebooks/ (brandpulse.report.charts).
"""

from brandpulse.report.cli import add_arguments, run

__all__ = ["add_arguments", "run"]
