"""Colours of the status bands, shared by the HTML and XLSX writers. A band is named by the
manual (`scoring.status_bands`); its colour follows its name, so a manual that calls its
bands green, yellow and red is coloured the same way."""

from __future__ import annotations

# name -> (fill, text): light fills that print well and keep black text readable
BAND_COLOURS: dict[str, tuple[str, str]] = {
    "hijau": ("C8E6C9", "1B5E20"),
    "green": ("C8E6C9", "1B5E20"),
    "kuning": ("FFF1A8", "6D5600"),
    "yellow": ("FFF1A8", "6D5600"),
    "merah": ("F8C4C4", "8E1B1B"),
    "red": ("F8C4C4", "8E1B1B"),
    "biru": ("C9DDF5", "163E73"),
    "blue": ("C9DDF5", "163E73"),
}
NO_BAND = ("EEEEEE", "444444")


def band_colours(band: str | None) -> tuple[str, str]:
    """(fill, text) as RGB hex without `#`, for a band name (grey for none or unknown)."""
    return BAND_COLOURS.get((band or "").lower(), NO_BAND)
