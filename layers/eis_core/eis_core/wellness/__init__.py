"""Workload and wellness: indicators and supportive check-ins, apart from risk scoring."""
