"""Exhibitors: booths, bookings, staff, leads (issue 6)."""
