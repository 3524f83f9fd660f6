"""Todo API: the in-memory FastAPI backend bundled with restmcp as its example."""
