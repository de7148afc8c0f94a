"""Presentation: Chinese labels, offline charts (altair → PNG via vl-convert), great_tables tables,
and the guard that keeps every page free of remote resources. Notebooks and dashboards call these;
all computation stays in the library."""
