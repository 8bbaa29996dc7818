#!/bin/sh
# Exit 0 when the PostgreSQL server used by the test suite answers.
if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p 5432
else
    python3 -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null
fi
