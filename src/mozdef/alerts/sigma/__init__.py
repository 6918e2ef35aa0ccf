"""Sigma rules (SigmaHQ's YAML format) as MozDef rules that run streaming and scheduled.

pySigma parses the rules; this package maps their log sources and fields to MozDef
events (mapping.py, default_mapping.yaml), converts their detections into the query
tree (convert.py) and builds rule objects: SigmaDetectionRule for plain detections and
SigmaCorrelation for event_count, value_count, temporal and temporal_ordered
correlations. `load_sigma` loads what it can and reports the rest.
"""

from mozdef.alerts.sigma.build import LEVELS, SigmaOptions, rule_id
from mozdef.alerts.sigma.convert import UnsupportedSigma, condition_tree, detection_tree
from mozdef.alerts.sigma.correlation import SigmaCorrelation
from mozdef.alerts.sigma.correlation_spec import CorrelationSpec
from mozdef.alerts.sigma.detection import SigmaDetectionRule
from mozdef.alerts.sigma.loader import SigmaRuleObject, SigmaRuleSet, load_sigma, load_sigma_text
from mozdef.alerts.sigma.mapping import FieldMapping, SourceFields, default_mapping, load_mapping

__all__ = [
    "LEVELS",
    "CorrelationSpec",
    "FieldMapping",
    "SigmaCorrelation",
    "SigmaDetectionRule",
    "SigmaOptions",
    "SigmaRuleObject",
    "SigmaRuleSet",
    "SourceFields",
    "UnsupportedSigma",
    "condition_tree",
    "default_mapping",
    "detection_tree",
    "load_mapping",
    "load_sigma",
    "load_sigma_text",
    "rule_id",
]
