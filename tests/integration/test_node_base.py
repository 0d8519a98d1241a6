"""The offline Node.js base image: cache key and reuse."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

from tests.integration.conftest import Docker
from tools import node_base
from tools.node_base import DEFAULT_RECIPE, Recipe


def test_key_changes_with_the_recipe() -> None:
    keys = {
        DEFAULT_RECIPE.key,
        dataclasses.replace(DEFAULT_RECIPE, suite="trixie").key,
        dataclasses.replace(DEFAULT_RECIPE, arch="arm64" if DEFAULT_RECIPE.arch != "arm64" else "amd64").key,
        dataclasses.replace(DEFAULT_RECIPE, packages=("nodejs", "tini")).key,
        dataclasses.replace(DEFAULT_RECIPE, variant="buildd").key,
        dataclasses.replace(DEFAULT_RECIPE, script_version=DEFAULT_RECIPE.script_version + 1).key,
    }
    assert len(keys) == 6
    assert Recipe().key == DEFAULT_RECIPE.key, "the key must be stable across runs"
    assert DEFAULT_RECIPE.key in DEFAULT_RECIPE.tarball_name
    assert DEFAULT_RECIPE.image.endswith(f":bookworm-{DEFAULT_RECIPE.arch}-{DEFAULT_RECIPE.key}")
    assert node_base.recipe_for("linux/arm64").image.endswith(
        ":bookworm-arm64-" + node_base.recipe_for("linux/arm64").key
    )
    with pytest.raises(ValueError, match=r"no Node\.js base for platform"):
        node_base.recipe_for("windows/amd64")


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OCIR_CACHE_DIR", str(tmp_path))
    assert node_base.cache_dir() == tmp_path
    monkeypatch.delenv("OCIR_CACHE_DIR")
    assert node_base.cache_dir() == Path.home() / ".cache" / "ocir"


def no_debootstrap(*args: object) -> NoReturn:
    raise AssertionError("debootstrap ran although the cache has the tarball")


def no_import(*args: object, **kwargs: object) -> NoReturn:
    raise AssertionError("docker import ran although the engine has the image")


def test_second_call_reuses_the_tarball_and_the_image(
    node_image: str, docker_host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tarball = node_base.ensure_tarball()
    built = tarball.stat().st_mtime_ns
    monkeypatch.setattr(node_base, "run_debootstrap", no_debootstrap)
    monkeypatch.setattr(node_base, "docker_import", no_import)
    assert node_base.ensure_tarball() == tarball
    assert tarball.stat().st_mtime_ns == built
    assert node_base.ensure_image(docker_host) == node_image


def test_import_from_the_cached_tarball(
    node_image: str, dockercli: Docker, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An engine without the image gets it from the cached tarball, without debootstrap."""
    cache = tmp_path / "cache"
    (cache / "node-base").mkdir(parents=True)
    source = node_base.ensure_tarball()
    copy = cache / "node-base" / source.name
    try:
        os.link(source, copy)
    except OSError:
        shutil.copy(source, copy)
    monkeypatch.setattr(node_base, "run_debootstrap", no_debootstrap)
    repository = "ocir-local/node-base-cache-test"
    ref = f"{repository}:{DEFAULT_RECIPE.tag}"
    dockercli("image", "rm", ref, check=False)
    try:
        assert node_base.ensure_image(dockercli.host, cache=cache, repository=repository) == ref
        assert dockercli("image", "inspect", "--format", "{{.Config.Cmd}}", ref).stdout.strip() == "[node]"
        monkeypatch.setattr(node_base, "docker_import", no_import)
        assert node_base.ensure_image(dockercli.host, cache=cache, repository=repository) == ref
    finally:
        dockercli("image", "rm", ref, check=False)
