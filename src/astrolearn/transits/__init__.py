"""Exoplanet transits: light-curve reading and detrending, period search, views, vetting.

A single-band light curve travels as a pandas long table with the columns

``object_id``  identifier of the star (e.g. ``"KIC 11442793"`` or ``"TIC 25155310"``)
``time``       time in days (BKJD for Kepler, BTJD for TESS, any consistent scale otherwise)
``flux``       relative flux, normalised to a median of 1 per quarter or sector
``flux_err``   its 1-sigma error

sorted by ``object_id`` then ``time``.
"""
