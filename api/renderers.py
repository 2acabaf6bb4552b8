"""CSV for every list: the same rows as JSON, nested values flattened into dotted columns."""

import csv
import io

from rest_framework.renderers import BaseRenderer


def _flatten(value, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}{key}.", out)
    elif isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            out[prefix[:-1]] = ";".join("" if item is None else str(item) for item in value)
        else:
            out[prefix[:-1]] = "; ".join(
                " ".join(str(v) for v in _flatten(item).values() if v not in (None, "")) for item in value
            )
    else:
        out[prefix[:-1]] = value
    return out


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        if isinstance(data, dict):
            data = [data]
        rows = [_flatten(row) for row in data or []]
        columns = list(dict.fromkeys(column for row in rows for column in row))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if value is None else value for key, value in row.items()})
        return out.getvalue().encode("utf-8")
