"""Fixture backend for the MCP conformance suite (scripts/conformance).

A plain FastAPI app: every endpoint is an ordinary HTTP operation, and restmcp
turns each one into a tool named after its function. The functions are named
like the tools of the suite's reference "everything server" (`test_simple_text`,
`test_image_content`, ...), so the suite's tools-call scenarios can call them
through the gateway. Nothing here speaks MCP: the answers are real HTTP
responses (text, PNG, WAV, a zip download, a 500) and the gateway maps them to
MCP content the way it maps any backend's answers.

The suite's tools that a gateway cannot honestly serve (a result mixing text,
image and resource blocks, progress and log notifications, sampling,
elicitation) have no endpoint here; their scenarios are in the baselines.

Run it alone:  uvicorn everything_backend:app --app-dir tests/conformance
"""

from __future__ import annotations

import io
import math
import struct
import wave
import zipfile
import zlib

from fastapi import FastAPI, HTTPException
from fastapi.responses import PlainTextResponse, Response

app = FastAPI(
    title="Conformance fixture API",
    version="1.0.0",
    description="Endpoints whose answers cover the content types restmcp maps to MCP tool results.",
)


def _png_1x1_red() -> bytes:
    """A valid 1x1 RGB PNG holding one red pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit, truecolour
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte 0, then R G B
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _wav_beep() -> bytes:
    """A valid 50 ms, 8 kHz, 16-bit mono WAV: a 440 Hz tone."""
    rate = 8000
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate))) for n in range(rate // 20)
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def _zip_archive() -> bytes:
    """A valid zip archive with one text file in it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("embedded.txt", "This is an embedded resource content.\n")
    return out.getvalue()


PNG = _png_1x1_red()
WAV = _wav_beep()
ZIP = _zip_archive()


@app.get("/simple-text", response_class=PlainTextResponse)
def test_simple_text() -> str:
    """Return a short plain-text sentence."""
    return "This is a simple text response for testing."


@app.get(
    "/image",
    response_class=Response,
    responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}},
)
def test_image_content() -> Response:
    """Return a 1x1 red PNG image."""
    return Response(content=PNG, media_type="image/png")


@app.get(
    "/audio",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}}}},
)
def test_audio_content() -> Response:
    """Return a 50 ms WAV tone."""
    return Response(content=WAV, media_type="audio/wav")


@app.get(
    "/archive",
    response_class=Response,
    responses={200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}},
)
def test_embedded_resource() -> Response:
    """Download a zip archive holding one text file."""
    return Response(
        content=ZIP,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="embedded.zip"'},
    )


@app.get("/error")
def test_error_handling() -> None:
    """Always fail with HTTP 500."""
    raise HTTPException(status_code=500, detail="This tool intentionally returns an error for testing")
