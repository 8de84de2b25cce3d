"""Cities and their county-level divisions, as declared in each city's `city.toml`."""

from __future__ import annotations

from dataclasses import dataclass, field

DIVISION_TYPES = ("district", "county", "county_city", "banner", "development_zone")


@dataclass
class Division:
    """A county-level division: 金水区 (district), 中牟县 (county), 巩义市 (county_city) …"""

    name: str
    type: str
    aliases: tuple[str, ...] = ()


@dataclass
class Document:
    """A policy document the city's rules rest on."""

    id: str
    title: str
    issued_by: str = ""
    signed_on: str = ""


@dataclass
class City:
    """A jurisdiction: its names, its divisions, the documents its rules cite."""

    id: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    divisions: dict[str, Division] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)

    def division(self, name: str) -> Division | None:
        """The division a name stands for (its full name or an alias), or None."""
        if name in self.divisions:
            return self.divisions[name]
        for division in self.divisions.values():
            if name in division.aliases:
                return division
        return None

    def payer_label(self, payer: str, district: str | None) -> str:
        """The finance bureau that pays a share: `郑州市财政`, `金水区财政`, `县（市、区）财政`."""
        if payer == "city":
            return f"{self.name_zh}财政"
        if payer == "district":
            return f"{district}财政" if district else "县（市、区）财政"
        return payer
