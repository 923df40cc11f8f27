#!/usr/bin/env python3
"""Writes step_at_10s.edf with EDFlib (through pyedflib), an EDF+ writer
independent of Debrief, for tests/device_data.rs.

    pip install pyedflib==0.1.42 && python3 make_step_edf.py

20 s of data starting 2026-03-01 10:00:00, records of 1 s:
  Paw  100 Hz, cmH2O: 5 until 10.000 s, then 25 (a step at sample 1000)
  HR     1 Hz, /min: 80 until 10 s, then 130
  SpO2   1 Hz, %: 70 throughout
and one annotation, "step", at exactly 10.000 s.
"""
import datetime

import numpy as np
import pyedflib

OUT = "step_at_10s.edf"
SECONDS = 20

paw = np.where(np.arange(100 * SECONDS) < 1000, 5.0, 25.0)
hr = np.where(np.arange(SECONDS) < 10, 80.0, 130.0)
spo2 = np.full(SECONDS, 70.0)

writer = pyedflib.EdfWriter(OUT, 3, file_type=pyedflib.FILETYPE_EDFPLUS)
writer.setStartdatetime(datetime.datetime(2026, 3, 1, 10, 0, 0))
writer.setPatientName("X")
writer.setSignalHeaders([
    {"label": "Paw", "dimension": "cmH2O", "sample_frequency": 100,
     "physical_min": -10.0, "physical_max": 60.0, "digital_min": -32768, "digital_max": 32767,
     "transducer": "", "prefilter": ""},
    {"label": "HR", "dimension": "/min", "sample_frequency": 1,
     "physical_min": 0.0, "physical_max": 300.0, "digital_min": -32768, "digital_max": 32767,
     "transducer": "", "prefilter": ""},
    {"label": "SpO2", "dimension": "%", "sample_frequency": 1,
     "physical_min": 0.0, "physical_max": 100.0, "digital_min": -32768, "digital_max": 32767,
     "transducer": "", "prefilter": ""},
])
writer.writeSamples([paw, hr, spo2])
writer.writeAnnotation(10.0, -1, "step")
writer.close()
