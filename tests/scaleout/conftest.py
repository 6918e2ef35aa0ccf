from tests.scaleout.cluster import cluster

__all__ = ["cluster"]
