"""Strict decoding of the wire protocol, and encodings that stock clients understand."""

from __future__ import annotations

import json

import pytest
from pycrdt import Awareness, Doc, Encoder, Text, create_sync_message, create_update_message

from meshcollab.rooms.protocol import (
    AwarenessEntry,
    AwarenessUpdate,
    Notice,
    ProtocolError,
    SaveRequest,
    SyncStep1,
    SyncUpdate,
    UnknownRawRequest,
    decode,
    decode_raw_json,
    encode_awareness,
    encode_save_reply,
    encode_save_request,
    encode_sync_update,
)


def test_decodes_what_pycrdt_clients_send():
    doc = Doc()
    doc["text"] = Text("hello")
    assert decode(create_sync_message(doc)) == SyncStep1(doc.get_state())
    assert decode(create_update_message(doc.get_update())) == SyncUpdate(doc.get_update())

    awareness = Awareness(doc)
    awareness.set_local_state({"user": {"name": "marie"}})
    payload = awareness.encode_awareness_update([doc.client_id])
    message = bytes([1]) + bytes([len(payload)]) + payload
    (entry,) = decode(message).entries
    assert entry.client_id == doc.client_id and json.loads(entry.state) == {"user": {"name": "marie"}}


def test_encodings_round_trip_and_match_the_frontend():
    entries = (AwarenessEntry(2**40, 3, '{"a":1}'), AwarenessEntry(7, 0, "null"))
    assert decode(encode_awareness(entries)) == AwarenessUpdate(entries)
    assert decode(encode_save_request(300)) == SaveRequest(300)
    # As @jupyter/docprovider writes a save request: RAW, the string "save", the request id.
    frontend = Encoder()
    frontend.write_var_uint(2)
    frontend.write_var_string("save")
    frontend.write_var_uint(300)
    assert frontend.to_bytes() == encode_save_request(300)
    reply = {"type": "save", "responseTo": 300, "status": "failed"}
    assert decode_raw_json(encode_save_reply(300, "failed")) == reply
    assert decode_raw_json(Notice("read-only", "no", {"path": "a.ipynb"}).encode()) == {
        "type": "notice",
        "code": "read-only",
        "message": "no",
        "path": "a.ipynb",
    }


@pytest.mark.parametrize(
    "message, says",
    [
        (b"", "message type is cut off"),
        (b"\x09", "unknown message type 9"),
        (b"\x00", "sync step is cut off"),
        (b"\x00\x07\x00", "unknown sync step 7"),
        (b"\x00\x02\x05abc", "announces 5 bytes"),
        (encode_sync_update(b"\x00\x00") + b"\x00", "unexpected bytes after the sync payload"),
        (b"\x00\x02" + b"\xff" * 9, "longer than 8 bytes"),
        (b"\x01\x03\x01\x01\x01", "awareness state is cut off"),
        (b"\x01\x05\x01\x01\x01\x01{", "is not JSON"),
        (b"\x01\x04\x01\x01\x01\x01", "awareness state announces 1 bytes, 0 left"),
        (b"\x02\x02\xff\xfe", "not valid UTF-8"),
        (b"\x02\x04save", "save request id is cut off"),
        ("text", "text frames are not part of the protocol"),
    ],
)
def test_malformed_messages_raise_a_clear_protocol_error(message, says):
    with pytest.raises(ProtocolError, match=says):
        decode(message)


def test_an_unknown_raw_request_is_tolerated():
    assert decode(b"\x02\x04ping") == UnknownRawRequest("ping")
