"""Resource ids and references: pure, no server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meshcollab.cs3 import InvalidArgument, Reference, ResourceId

any_text = st.text()  # every Unicode string: separators, "$", "!", "/", NUL, emoji...
resource_ids = st.builds(ResourceId, storage_id=any_text, opaque_id=any_text, space_id=any_text)


@given(resource_ids)
def test_encoded_id_round_trips(resource_id: ResourceId) -> None:
    assert ResourceId.decode(resource_id.encode()) == resource_id


@given(resource_ids)
def test_encoded_id_is_url_and_room_name_safe(resource_id: ResourceId) -> None:
    # The room name is "{format}:{type}:{fileId}" inside a URL path.
    assert set(resource_id.encode()) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    )


@given(resource_ids, resource_ids)
def test_different_ids_encode_differently(first: ResourceId, second: ResourceId) -> None:
    assert (first.encode() == second.encode()) == (first == second)


@given(st.text())
def test_decoding_anything_else_fails_cleanly(text: str) -> None:
    try:
        decoded = ResourceId.decode(text)
    except InvalidArgument:
        return
    assert decoded.encode() == text


@pytest.mark.parametrize("bad", ["", "abc", "a.b", "a.b.c.d", "a!.b.c", "QR.QQ.QQ", "a b.c.d"])
def test_malformed_encoded_ids_are_invalid_arguments(bad: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        ResourceId.decode(bad)
    assert isinstance(caught.value, ValueError)  # callers parsing user input may catch ValueError


@given(resource_ids)
def test_resource_id_survives_protobuf(resource_id: ResourceId) -> None:
    unset = resource_id == ResourceId("", "", "")
    assert ResourceId.from_proto(resource_id.to_proto()) == (None if unset else resource_id)


def test_references_by_path_id_and_relative_path() -> None:
    rid = ResourceId("storage", "node", "space")
    assert Reference(path="/home/einstein/a.ipynb").to_proto().path == "/home/einstein/a.ipynb"
    by_id = Reference(resource_id=rid).to_proto()
    assert (by_id.resource_id.storage_id, by_id.resource_id.space_id, by_id.resource_id.opaque_id) == (
        "storage",
        "space",
        "node",
    )
    assert Reference.child(rid, "a.ipynb").to_proto().path == "./a.ipynb"


def test_references_refuse_ambiguous_paths() -> None:
    with pytest.raises(InvalidArgument):
        Reference(path="relative/path")
    with pytest.raises(InvalidArgument):
        Reference(resource_id=ResourceId("s", "o"), path="/absolute")
