"""iku: rules-as-data engine for Manual IKU (SAKIP key performance indicators)."""

from __future__ import annotations

__version__ = "0.1.0"
