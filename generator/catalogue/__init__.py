"""The alert catalogue for reviewers (out/ALERTS.md): one row per alert, whom it reaches and
when, how fast SLO alerts fire, and the time-to-fire plots beside it.

Other packages import only the names below (the import contracts in pyproject.toml).
"""

from generator.catalogue.checks import check_catalogue
from generator.catalogue.model import Catalogue
from generator.catalogue.plan import plan_catalogue
from generator.catalogue.plots import plot_outputs

__all__ = ["Catalogue", "check_catalogue", "plan_catalogue", "plot_outputs"]
