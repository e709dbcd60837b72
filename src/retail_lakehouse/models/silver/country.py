"""silver.country — every spelling of a country we know, mapped to ISO 3166-1 alpha-2.

Names, official names, common names and alpha-3 codes from pycountry, plus the aliases
seed for spellings found in retail files (``EIRE``, ``RSA``). Joined on ``lower(trim(name))``.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pycountry

from retail_lakehouse.seeds import read_seed

DEPENDS_ON: list[str] = []


def build(engine: Any) -> pa.Table:
    spellings: dict[str, tuple[str, str]] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name", "alpha_3", "alpha_2"):
            value = getattr(country, attr, None)
            if value:
                spellings.setdefault(value.strip().lower(), (country.alpha_2, country.name))
    aliases = read_seed("country_aliases")
    names = {c.alpha_2: c.name for c in pycountry.countries}
    names |= {"EU": "European Union", "ZZ": "Unknown", "XW": "West Indies"}
    for alias, code in zip(
        aliases["alias"].to_pylist(), aliases["country_code"].to_pylist(), strict=True
    ):
        spellings[alias.strip().lower()] = (code, names.get(code, code))
    keys = sorted(spellings)
    return pa.table(
        {
            "name_key": keys,
            "country_code": [spellings[k][0] for k in keys],
            "country_name": [spellings[k][1] for k in keys],
        }
    )
