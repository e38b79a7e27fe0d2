"""Versions: every overwrite keeps the previous content."""

from __future__ import annotations

import uuid

import pytest

from meshcollab.cs3 import CS3Gateway, CS3Session, NotFound

pytestmark = pytest.mark.anyio


async def test_overwrites_keep_versions_that_can_be_read_and_restored(
    einstein: CS3Session, workdir: str
) -> None:
    path = f"{workdir}/nb.ipynb"
    original = await einstein.files.write(path, b"version one")
    await einstein.files.write(path, b"version two, longer")
    await einstein.files.write(path, b"version three")

    versions = await einstein.versions.list(path)
    assert len(versions) == 2
    contents = {version.key: await einstein.versions.read_bytes(path, version.key) for version in versions}
    assert set(contents.values()) == {b"version one", b"version two, longer"}
    assert {version.size for version in versions} == {len(b"version one"), len(b"version two, longer")}
    assert await einstein.files.read_bytes(path) == b"version three"

    first_key = next(key for key, content in contents.items() if content == b"version one")
    await einstein.versions.restore(original.id, first_key)
    restored = await einstein.files.stat(path)
    assert restored.id == original.id
    assert await einstein.files.read_bytes(path) == b"version one"
    assert b"version three" in {
        await einstein.versions.read_bytes(path, v.key) for v in await einstein.versions.list(path)
    }


async def test_a_new_file_has_no_versions(einstein: CS3Session, workdir: str) -> None:
    await einstein.files.write(f"{workdir}/new.ipynb", b"{}")
    assert await einstein.versions.list(f"{workdir}/new.ipynb") == []


async def test_an_unknown_version_is_not_found(einstein: CS3Session, workdir: str) -> None:
    await einstein.files.write(f"{workdir}/nb.ipynb", b"{}")
    with pytest.raises(NotFound):
        await einstein.versions.read_bytes(f"{workdir}/nb.ipynb", "no-such-version")


async def test_versions_addressed_by_resource_id(store, config_for) -> None:
    # The decomposedfs flavour of Reva (oCIS) names a version by a resource id whose opaque id is the key.
    config = config_for(store)
    config.version_download = "resource_id"
    async with CS3Gateway(config) as gateway:
        einstein = await gateway.login_basic("einstein", "relativity")
        path = f"{await einstein.home()}/versions-by-id-{uuid.uuid4().hex[:8]}.txt"
        await einstein.files.write(path, b"old")
        await einstein.files.write(path, b"new")
        [version] = await einstein.versions.list(path)
        assert await einstein.versions.read_bytes(path, version.key) == b"old"
