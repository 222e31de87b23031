"""`obsgen diff`: two specs (or two git revisions) planned and compared as behaviour an SRE
reviews.

Other packages import only the names below (the import contracts in pyproject.toml).
"""

from generator.review.report import as_markdown, as_text, compare
from generator.review.source import plan_of, plans_at_revisions

__all__ = ["as_markdown", "as_text", "compare", "plan_of", "plans_at_revisions"]
