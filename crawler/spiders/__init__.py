"""The crawler's spiders (one: ``reports``)."""
