"""Print the OpenAPI document of a Python web app as JSON, without serving it.

restmcp runs this with the user's interpreter:

    python -c <this file> TARGET APP_DIR

TARGET is `package.module:attribute` (the attribute may be dotted, and may be
a factory function returning the app). APP_DIR goes first on `sys.path`.
The app's `openapi()` method (FastAPI's) builds the document; no server is
started. The JSON goes to stdout; anything the app prints while importing is
sent to stderr so it cannot corrupt the document. Errors are tracebacks on
stderr and a non-zero exit status.
"""

import importlib
import json
import os
import sys


def fail(message, status):
    sys.stderr.write("restmcp: " + message + "\n")
    sys.exit(status)


def main():
    if len(sys.argv) != 3:
        fail("usage: app_openapi TARGET APP_DIR", 2)
    target, app_dir = sys.argv[1], sys.argv[2]
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        fail("`%s` is not `package.module:attribute`, e.g. `todo_app.main:app`" % target, 2)
    sys.path.insert(0, app_dir)

    # Whatever the app prints while importing goes to stderr — including
    # writes to file descriptor 1 itself (C extensions, child processes):
    # the real stdout is kept aside for the document alone.
    sys.stdout.flush()
    document_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    module = importlib.import_module(module_name)
    app = module
    for part in attribute.split("."):
        if not hasattr(app, part):
            fail("module `%s` has no attribute `%s`" % (module_name, attribute), 3)
        app = getattr(app, part)
    if not hasattr(app, "openapi") and callable(app):
        app = app()  # an app factory
    openapi = getattr(app, "openapi", None)
    if not callable(openapi):
        fail(
            "`%s` is a %s without an `openapi()` method; point at the FastAPI app object"
            % (target, type(app).__name__),
            4,
        )
    document = openapi()
    text = json.dumps(document)
    with os.fdopen(document_fd, "w", encoding="utf-8") as out:
        out.write(text)


main()
