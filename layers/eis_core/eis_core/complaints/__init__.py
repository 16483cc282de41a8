"""Complaint timeliness (Orange County): days to acknowledge and to close, overdue acknowledgments, letters.

``timeliness`` holds the one computation of days to acknowledge and days to close (per complaint and
median per agency or unit); reports (the public aggregate report among them) take their figures from it.
``letters`` renders acknowledgment letters from the agency's template, keyed only by complaint number.
"""
