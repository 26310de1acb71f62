"""One screen per module; `base` holds what the play screens and the overlays share."""
