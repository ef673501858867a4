"""Input limits: what a single file may cost before the gate refuses it with a LIMIT error.

The values guard the parsers against hostile or accidental inputs (YAML alias bombs, a
10 MB single-line JSON blob, a 100k-deep flow sequence that would overflow a C stack). They
are far above anything real IaC needs: the largest CloudFormation template in the shared
corpus is under 1 MiB and nests fewer than 30 levels.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 20 * 1024 * 1024
    """Files above this size are not read (LIMIT error)."""
    max_depth: int = 200
    """Deepest collection nesting (mappings and sequences) in one YAML/JSON document."""
    max_nodes: int = 2_000_000
    """Nodes per file after alias expansion (counts every node an alias copies)."""
    max_alias_nodes: int = 100_000
    """Nodes that aliases may add on top of the written ones (billion-laughs guard)."""
    max_documents: int = 10_000
    """YAML documents (``---``) per file."""
    sniff_bytes: int = 8192
    """How much of a file discovery reads to decide its format."""


DEFAULT_LIMITS = Limits()
