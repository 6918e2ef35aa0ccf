"""MozDef's common detections as rules of this engine: one module per detection,
`registry.DETECTIONS` mapping each rule id to the function that builds it."""

from mozdef.alerts.detections.registry import (
    DETECTIONS,
    Detection,
    DetectionServices,
    build_all,
    build_detection,
)

__all__ = ["DETECTIONS", "Detection", "DetectionServices", "build_all", "build_detection"]
