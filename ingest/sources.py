"""Resolving what the user named (files, folders, hf:// paths) into local files to ingest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kinetics_sql.errors import KineticsError

HF_PREFIX = "hf://"
SUFFIXES = (".csv", ".jsonl", ".json", ".parquet", ".ndjson")
COMPRESSED = (".jsonl.gz",)  # read by the loaders that accept them (boinf)


@dataclass(frozen=True)
class Source:
    """One file to ingest: ``name`` is what rows record as their ``source``."""

    name: str
    path: Path

    def sha256(self) -> str:
        h = hashlib.sha256()
        with self.path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()


def bundled_root() -> Path:
    """The AIME24 trade-off tables shipped with the package (MIT, Infini-AI-Lab)."""
    return Path(str(resources.files("kinetics_sql").joinpath("data/kinetics-aime24")))


def bundled_roots() -> list[Path]:
    """Every data set shipped with the package: the Kinetics AIME24 tables and the Best-of-Infinity
    answer tables (MIT, jkomiyama/BoInf-code-publish)."""
    return [bundled_root(), Path(str(resources.files("kinetics_sql").joinpath("data/boinf")))]


def source_name(path: Path) -> str:
    """What rows record as their source: the file name, without a .gz (a compressed copy is the same source)."""
    return path.name[:-3] if path.name.lower().endswith(COMPRESSED) else path.name


def _wanted(p: Path) -> bool:
    return p.is_file() and (p.suffix in SUFFIXES or p.name.lower().endswith(COMPRESSED))


def _hub_file(ref: str) -> Path:
    """Download (or find in the cache) hf://datasets/OWNER/NAME/PATH[@REVISION]."""
    rest = ref[len(HF_PREFIX) :]
    parts = rest.split("/")
    if len(parts) < 4 or parts[0] not in ("datasets", "models", "spaces"):
        raise KineticsError(f"{ref}: expected hf://datasets/OWNER/NAME/PATH/IN/REPO")
    repo_type = parts[0].rstrip("s")
    repo_id = "/".join(parts[1:3])
    revision = None
    if "@" in repo_id:
        repo_id, revision = repo_id.split("@", 1)
    filename = "/".join(parts[3:])
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download(repo_id, filename, repo_type=repo_type, revision=revision))
    except Exception as exc:  # offline without cache, 404, auth: all end here with the reason
        raise KineticsError(f"{ref}: could not fetch from the Hugging Face hub or its local cache: {exc}") from exc


def resolve(refs: list[str]) -> list[Source]:
    """Expand folders (recursively, known suffixes, sorted) and hub paths; keep the order given."""
    out: list[Source] = []
    for ref in refs:
        if ref.startswith(HF_PREFIX):
            out.append(Source(ref, _hub_file(ref)))
            continue
        path = Path(ref)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if _wanted(p))
            if not files:
                raise KineticsError(f"{ref}: folder holds no .csv, .jsonl, .jsonl.gz, .json or .parquet files")
            out.extend(Source(source_name(p), p) for p in files)
        elif path.is_file():
            out.append(Source(source_name(path), path))
        elif path.exists():  # /dev/null, a FIFO, a socket: nothing to hash and read twice
            raise KineticsError(f"{ref}: not a regular file (a device or a pipe): save the data to a file first")
        else:
            raise KineticsError(f"{ref}: no such file or folder")
    names: dict[str, Path] = {}
    for s in out:
        if s.name in names and names[s.name] != s.path:
            raise KineticsError(f"two files share the source name {s.name!r}: {names[s.name]} and {s.path}")
        names[s.name] = s.path
    return out
