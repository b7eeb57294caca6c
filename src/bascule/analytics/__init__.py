"""Reports on the funnel's history (SPEC §10, §16): ``metrics`` is the pure arithmetic (rates,
percentiles, month buckets, report rows), ``queries`` and ``stage_times`` the portable SQL read
models, ``reports`` the use cases the API, the CLI and the web pages call, ``export`` the CSV."""
