"""Tests of ordergate.orders."""
