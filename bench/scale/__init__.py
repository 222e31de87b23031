"""Scale benchmark: cold obsgen generate/check for 10, 100 and 1,000 services."""
