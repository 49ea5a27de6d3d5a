"""Rapport: a training simulator for the therapeutic alliance."""
