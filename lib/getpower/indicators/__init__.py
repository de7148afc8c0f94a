"""Every indicator of indicators.md §1–§8, computed from its declaration in params/indicators.yaml.

- ``records``: the period-independent record-level preparation (one row per application, stage spans);
- ``inputs``: the named inputs (populations) declarations refer to, resolved by parameter name;
- ``predicates``: the named conditions declarations refer to;
- ``engine``: the one engine for mean, ratio and count indicators (and the records behind a cell);
- ``reliability``: the custom outage family (§5);
- ``common``: the aggregations they share; ``rules``: the year's parameters.
"""
