"""CSV downloads of report tables. Every CSV we write goes through here, so cells that a
spreadsheet would run as a formula (starting with =, +, - or @) are always written as text."""

import csv

from django.http import HttpResponse


def safe_cell(cell) -> str:
    text = "" if cell is None else str(cell)
    if text[:1] in ("=", "+", "-", "@") and not text.lstrip("-").replace(".", "", 1).isdigit():
        return "'" + text
    return text


def table_csv(filename: str, table) -> HttpResponse:
    """Any report table (recovery.dashboards.figures.tables.Table) as a CSV download."""
    return csv_response(filename, table.columns, table.rows)


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return response
