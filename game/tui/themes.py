"""Two themes in the colours of the period: gold and imperial purple on lamp-black or parchment."""

from __future__ import annotations

from textual.theme import Theme

DARK = Theme(
    name="callinicum-dark",
    primary="#D4A94F",
    secondary="#A77BC4",
    accent="#D9774A",
    foreground="#E9E1CC",
    background="#14110D",
    surface="#1D1914",
    panel="#2B241A",
    boost="#2F2820",
    warning="#E3A33A",
    error="#E0605A",
    success="#8DB563",
    dark=True,
    variables={
        "river": "#5B9BD5",
        "muted": "#9C917C",
        "disabled": "#6E6656",
        "footer-key-foreground": "#D4A94F",
        "block-cursor-background": "#5A4726",
        "block-cursor-foreground": "#F4E9CF",
        "block-cursor-text-style": "bold",
        "input-selection-background": "#D4A94F 35%",
    },
)

LIGHT = Theme(
    name="callinicum-light",
    primary="#8A5C00",
    secondary="#5E2E86",
    accent="#A8431B",
    foreground="#2A2017",
    background="#F4ECDA",
    surface="#EBE0C6",
    panel="#DED0AE",
    boost="#E4D7B8",
    warning="#9A5B00",
    error="#B02A22",
    success="#3F6F1E",
    dark=False,
    variables={
        "river": "#1F5F9E",
        "muted": "#75684F",
        "disabled": "#A69A80",
        "footer-key-foreground": "#8A5C00",
        "block-cursor-background": "#D9C38F",
        "block-cursor-foreground": "#2A2017",
        "block-cursor-text-style": "bold",
        "input-selection-background": "#8A5C00 30%",
    },
)

THEMES = (DARK, LIGHT)
