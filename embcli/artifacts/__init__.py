"""Artifacts: the files and directories stages write and read.

- `output_safety`: the one rule for what an output may replace (`check_output`);
- `staging`: staged writes renamed into place (`staged_directory`, `staged_file`);
- `manifests`: `manifest.json`, written last and checked on read;
- `arrays`: `.npy` reading that never unpickles and checks sizes first;
- `sizes`: sizes checked by arithmetic before anything is allocated.
"""

from embcli.artifacts.arrays import load_npy
from embcli.artifacts.manifests import (
    FORMAT_VERSION,
    MANIFEST_NAME,
    artifact_member,
    describe_file,
    file_sha256,
    library_versions,
    manifest_reference,
    peak_rss_mb,
    read_manifest,
    write_manifest,
)
from embcli.artifacts.output_safety import FILE_KINDS, check_apart, check_output, file_kind_for
from embcli.artifacts.sizes import check_allocation, ensure_free_space
from embcli.artifacts.staging import disk_full_error, staged_directory, staged_file, staging_prefix

__all__ = [
    "FILE_KINDS", "FORMAT_VERSION", "MANIFEST_NAME", "artifact_member", "check_allocation", "check_apart", "check_output", "describe_file",
    "disk_full_error",
    "ensure_free_space", "file_kind_for", "file_sha256", "library_versions", "load_npy", "manifest_reference",
    "peak_rss_mb", "read_manifest", "staged_directory", "staged_file", "staging_prefix", "write_manifest",
]
