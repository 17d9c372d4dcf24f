"""Manager dashboards: what customers feel, where we fail, whether recovery pays.

`filters` parses the filters every dashboard shares, `figures` computes each dashboard with SQL
aggregates (a fixed number of queries whatever the data size), `charts` draws server-side SVG,
`views` serves pages, CSV and JSON.
"""
