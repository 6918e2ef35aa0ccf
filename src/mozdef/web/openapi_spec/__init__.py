"""What the OpenAPI description says beyond the route table (see mozdef.web.openapi):
the words, kept as YAML beside this file (`files`), and the schemas derived from the
code that checks the values (`derived`)."""

from mozdef.web.openapi_spec.derived import derived_schemas
from mozdef.web.openapi_spec.files import METHODS, DescriptionError, Spec, load_spec

__all__ = ["METHODS", "DescriptionError", "Spec", "derived_schemas", "load_spec"]
