"""Anomaly detection in images: scores, ranking metrics, active learning and an explore page."""
