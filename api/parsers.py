"""Request bodies: JSON read by orjson, refused with a 400 when nested deeper than any endpoint takes.

Python's json module recursed into a body nested 50,000 deep until RecursionError, a 500 on every POST endpoint.
"""

import json

import orjson
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 16
TOO_DEEP = f"The JSON body is nested too deeply: at most {MAX_DEPTH} levels."


def _depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return depth
            deepest = max(deepest, depth)
            stack.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))
    return deepest


def _lenient(body: bytes):
    try:
        return json.loads(body)
    except RecursionError:
        raise ParseError(TOO_DEEP) from None
    except ValueError as error:
        raise ParseError(f"JSON parse error - {error}") from None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            if "depth limit" in str(error):
                raise ParseError(TOO_DEEP) from None
            if "surrogate" not in str(error):
                raise ParseError(f"JSON parse error - {error}") from None
            data = _lenient(body)  # an escaped lone surrogate is JSON, which orjson refuses and json reads
        if _depth(data) > MAX_DEPTH:
            raise ParseError(TOO_DEEP)
        return data
