"""The batch run on new extracts and referrals."""
from chronolink.engine.batch.run import BatchResult, near_candidates, rating, run_batch

__all__ = ["BatchResult", "near_candidates", "rating", "run_batch"]
