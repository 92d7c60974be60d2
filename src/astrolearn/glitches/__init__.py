"""Gravitational-wave detector glitches: strain reading, Q-transform views, classification.

Strain travels as a gwpy :class:`~gwpy.timeseries.TimeSeries` (or a 1-D array with a
sample rate). :mod:`astrolearn.glitches.qtransform` turns strain plus trigger times into
Gravity Spy-style images: normalised Q-transform energy on a fixed time-frequency grid
(log frequency 10-2048 Hz, rows from low to high frequency; columns linear in time,
centred on the trigger) for the four Gravity Spy windows of 0.5, 1, 2 and 4 s
(Zevin et al. 2017, CQG 34 064003; Bahaadini et al. 2018, Inf. Sci. 444 172).
"""
