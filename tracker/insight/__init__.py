"""Insight: what the numbers say — overdue view, figures, charts, exports, the execution report."""
