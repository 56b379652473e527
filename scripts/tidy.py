#!/usr/bin/env python3
"""clang-tidy over every C++ source of the tree that the build compiles, in parallel, with a cache.

A file is skipped when an earlier run found it clean with the same key: the file preprocessed with
comments kept (so headers and NOLINT comments count) and without line markers (so the clone's path
does not), its compile flags, .clang-tidy (and any nested one above the file) and the clang-tidy
version. Only clean results are cached, so a finding is reported on every run. The cache lives
outside the clone, so later CI runs on the same machine reuse it.

  scripts/tidy.py [BUILD_DIR]    (default build/; needs its compile_commands.json)
  AAP_TIDY_CACHE=DIR             cache folder (default /var/cache/aad-auth-proxy/clang-tidy, or
                                 ~/.cache/aad-auth-proxy/clang-tidy when that is not writable)
  AAP_TIDY_JOBS=N                parallel jobs (default: the number of CPUs)
"""
import concurrent.futures
import hashlib
import json
import os
import pathlib
import shlex
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def cache_dir() -> pathlib.Path:
    wanted = os.environ.get("AAP_TIDY_CACHE")
    candidates = [pathlib.Path(wanted)] if wanted else [
        pathlib.Path("/var/cache/aad-auth-proxy/clang-tidy"),
        pathlib.Path.home() / ".cache/aad-auth-proxy/clang-tidy",
    ]
    for candidate in candidates:
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    sys.exit(f"tidy: no writable cache folder among {', '.join(map(str, candidates))}")


def tracked_sources() -> set:
    out = subprocess.run(["git", "ls-files", "*.cpp"], cwd=ROOT, check=True, capture_output=True, text=True)
    # Test programs are not tidied (as before): QTest macros trip many checks.
    return {str(ROOT / f) for f in out.stdout.split() if not ("/tst_" in f and f.startswith("tests/"))}


def nested_configs(source: str) -> bytes:
    """The .clang-tidy files between the source and the root (InheritParentConfig) change its checks."""
    found = b""
    folder = pathlib.Path(source).parent
    while folder != ROOT and ROOT in folder.parents:
        nested = folder / ".clang-tidy"
        if nested.is_file():
            found += nested.read_bytes()
        folder = folder.parent
    return found


def preprocess_key(entry: dict, salt: bytes) -> str:
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    # Drop the output and dependency-file options; preprocess to stdout, comments kept, no line markers.
    cleaned, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if arg in ("-c", "-MD", "-MMD"):
            continue
        cleaned.append(arg)
    pre = subprocess.run(cleaned + ["-E", "-P", "-C"], cwd=entry["directory"], capture_output=True)
    if pre.returncode != 0:
        return ""
    digest = hashlib.sha256(salt)
    # The flags matter (clang-tidy reports compiler warnings too), the clone's path does not.
    digest.update(" ".join(cleaned).replace(str(ROOT), "@ROOT@").encode())
    digest.update(pre.stdout)
    return digest.hexdigest()


def main() -> int:
    build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "build")
    if not build.is_absolute():
        build = ROOT / build
    database = build / "compile_commands.json"
    if not database.exists():
        sys.exit(f"tidy: {database} missing (configure a build first)")
    wanted = tracked_sources()
    entries = [e for e in json.loads(database.read_text())
               if str(pathlib.Path(e["directory"], e["file"]).resolve()) in wanted]
    if not entries:
        sys.exit("tidy: no C++ files found in the compile database")
    version = subprocess.run(["clang-tidy", "--version"], capture_output=True, check=True).stdout
    salt = version + (ROOT / ".clang-tidy").read_bytes()
    cache = cache_dir()

    def check(entry: dict):
        source = str(pathlib.Path(entry["directory"], entry["file"]).resolve())
        key = preprocess_key(entry, salt + nested_configs(source))
        if key and (cache / key).exists():
            return source, True, True, ""
        result = subprocess.run(["clang-tidy", "-p", str(build), "--quiet", source],
                                capture_output=True, text=True)
        clean = result.returncode == 0
        if clean and key:
            (cache / key).touch()
        return source, clean, False, result.stdout + result.stderr

    jobs = int(os.environ.get("AAP_TIDY_JOBS", os.cpu_count() or 1))
    failed, cached = [], 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for source, clean, hit, output in pool.map(check, entries):
            cached += hit
            if not clean:
                failed.append(source)
                sys.stdout.write(output)
    print(f"tidy: {len(entries)} files, {cached} unchanged since a clean run (cache {cache}), "
          f"{len(failed)} with findings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
